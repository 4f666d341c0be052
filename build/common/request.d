build/common/request.o: common/request.c common/request.h
common/request.h:
