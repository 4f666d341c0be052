build/common/wire_native.o: common/wire_native.c common/wire_native.h \
 common/addr.h common/request.h common/userkey.h common/crypto.h \
 common/buf.h common/err.h
common/wire_native.h:
common/addr.h:
common/request.h:
common/userkey.h:
common/crypto.h:
common/buf.h:
common/err.h:
