build/common/userkey.o: common/userkey.c common/userkey.h common/crypto.h \
 common/err.h
common/userkey.h:
common/crypto.h:
common/err.h:
