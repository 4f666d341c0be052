build/common/loctable.o: common/loctable.c common/loctable.h \
 common/crypto.h common/err.h common/wire_native.h common/addr.h \
 common/request.h common/userkey.h
common/loctable.h:
common/crypto.h:
common/err.h:
common/wire_native.h:
common/addr.h:
common/request.h:
common/userkey.h:
