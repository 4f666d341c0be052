/* The bounds-checked reader and writer: every getter refuses to read past
 * the end and leaves the reader unchanged when it does. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "buf.h"
#include "err.h"

static const uint8_t data[] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
    0x08, 0x09, 0x0a, 0x0b };

static void
test_reader_big_endian(void **state)
{
	struct reader r;
	uint8_t u8;
	uint16_t u16;
	uint64_t u64;
	(void)state;

	reader_init(&r, data, sizeof(data));
	assert_int_equal(reader_get_u8(&r, &u8), 0);
	assert_int_equal(u8, 0x01);
	assert_int_equal(reader_get_u16(&r, &u16), 0);
	assert_int_equal(u16, 0x0203);
	assert_int_equal(reader_get_u64(&r, &u64), 0);
	assert_int_equal(u64, 0x0405060708090a0bULL);
	assert_int_equal(reader_left(&r), 0);
	assert_int_equal(reader_get_u8(&r, &u8), SPA_ERR_TRUNCATED);
}

/* At every length, a getter wider than what is left fails and consumes
 * nothing. */
static void
test_reader_truncation(void **state)
{
	(void)state;
	for (size_t len = 0; len < 8; len++) {
		struct reader r;
		uint32_t u32 = 0xdeadbeef;
		uint64_t u64;
		uint8_t out[8];

		reader_init(&r, data, len);
		if (len < 4) {
			assert_int_equal(reader_get_u32(&r, &u32), SPA_ERR_TRUNCATED);
			assert_int_equal(u32, 0xdeadbeef);
		}
		assert_int_equal(reader_get_u64(&r, &u64), SPA_ERR_TRUNCATED);
		assert_int_equal(reader_get_bytes(&r, out, len + 1),
		    SPA_ERR_TRUNCATED);
		assert_int_equal(reader_skip(&r, len + 1), SPA_ERR_TRUNCATED);
		assert_int_equal(reader_left(&r), len);
	}
}

static void
test_reader_sub_and_truncate(void **state)
{
	struct reader r, sub;
	uint8_t b;
	(void)state;

	reader_init(&r, data, sizeof(data));
	assert_int_equal(reader_sub(&r, 3, &sub), 0);
	assert_int_equal(reader_left(&sub), 3);
	assert_int_equal(reader_left(&r), sizeof(data) - 3);
	assert_int_equal(reader_get_u8(&r, &b), 0);
	assert_int_equal(b, 0x04);
	assert_int_equal(reader_sub(&r, 100, &sub), SPA_ERR_TRUNCATED);
	assert_int_equal(reader_truncate(&r, 2), 0);
	assert_int_equal(reader_left(&r), 2);
	assert_int_equal(reader_truncate(&r, 3), SPA_ERR_TRUNCATED);
	reader_init(&r, NULL, 5);
	assert_int_equal(reader_left(&r), 0);
}

static void
test_writer(void **state)
{
	uint8_t buf[11];
	struct writer w;
	(void)state;

	writer_init(&w, buf, sizeof(buf));
	assert_int_equal(writer_put_u8(&w, 0x01), 0);
	assert_int_equal(writer_put_u16(&w, 0x0203), 0);
	assert_int_equal(writer_put_u64(&w, 0x0405060708090a0bULL), 0);
	assert_memory_equal(buf, data, sizeof(data));
	assert_int_equal(writer_put_u8(&w, 0), SPA_ERR_NOSPACE);
	assert_int_equal(writer_put_zeros(&w, 1), SPA_ERR_NOSPACE);
	assert_int_equal(writer_put_bytes(&w, data, 1), SPA_ERR_NOSPACE);
	assert_int_equal(w.len, sizeof(buf));
	writer_init(&w, buf, 2);
	assert_int_equal(writer_put_u64(&w, 1), SPA_ERR_NOSPACE);
	assert_int_equal(w.len, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reader_big_endian),
		cmocka_unit_test(test_reader_truncation),
		cmocka_unit_test(test_reader_sub_and_truncate),
		cmocka_unit_test(test_writer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
