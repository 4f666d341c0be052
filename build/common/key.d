build/common/key.o: common/key.c common/key.h common/crypto.h \
 common/err.h
common/key.h:
common/crypto.h:
common/err.h:
