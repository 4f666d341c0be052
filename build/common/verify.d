build/common/verify.o: common/verify.c common/verify.h common/addr.h \
 common/crypto.h common/replay.h common/request.h common/err.h \
 common/loctable.h common/userkey.h common/wire_classic.h \
 common/wire_native.h
common/verify.h:
common/addr.h:
common/crypto.h:
common/replay.h:
common/request.h:
common/err.h:
common/loctable.h:
common/userkey.h:
common/wire_classic.h:
common/wire_native.h:
