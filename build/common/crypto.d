build/common/crypto.o: common/crypto.c common/crypto.h common/err.h
common/crypto.h:
common/err.h:
