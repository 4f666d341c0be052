build/common/replay.o: common/replay.c common/replay.h common/crypto.h \
 common/err.h
common/replay.h:
common/crypto.h:
common/err.h:
