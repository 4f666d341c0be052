build/common/wire_classic.o: common/wire_classic.c common/wire_classic.h \
 common/addr.h common/crypto.h common/request.h common/err.h
common/wire_classic.h:
common/addr.h:
common/crypto.h:
common/request.h:
common/err.h:
