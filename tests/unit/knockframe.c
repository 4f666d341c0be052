/* A native knock as an IP datagram (tests/unit/knockframe.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "key.h"
#include "knockframe.h"
#include "userkey.h"
#include "wire_native.h"

size_t
knock_frame(const char *b64, uint64_t t, uint8_t nonce0,
    uint8_t out[SEGMENT_MAX])
{
	uint8_t secret[SPA_SECRET_LEN], pkt[NATIVE_LEN], nonce[16] = { nonce0 };
	struct segment_input in = { .sport = 40000, .dport = 5001, .seq = 1,
	    .ip_id = 7, .flags = 0x02 };
	struct native_request req = { .version = NATIVE_VERSION, .time = t };
	char err[SEGMENT_ERR_MAX];
	struct user_keys keys;
	size_t len;

	assert_int_equal(key_decode(b64, secret, NULL), 0);
	assert_int_equal(user_keys_derive(secret, &keys), 0);
	assert_int_equal(addr_parse("198.51.100.1", &in.src), 0);
	assert_int_equal(addr_parse("198.51.100.2", &in.dst), 0);
	req.allow = in.src;
	strcpy(req.request, "ssh");
	assert_int_equal(native_encode(&keys, &req, nonce, &in.dst, 5001, pkt), 0);
	user_keys_clear(&keys);
	assert_int_equal(segment_build(&in, pkt, sizeof(pkt), out, &len, err), 0);
	return len;
}
