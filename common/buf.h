/*
 * Bounds-checked cursors over byte buffers.  Every byte from the wire or a
 * file is read through struct reader: each getter checks that the field is
 * there, copies it out, then consumes it, and returns 0 or SPA_ERR_TRUNCATED
 * (leaving the reader unchanged on failure).  Integers are big-endian.
 */
#ifndef SPA_BUF_H
#define SPA_BUF_H

#include <stddef.h>
#include <stdint.h>

struct reader {
	const uint8_t *ptr;
	size_t len;
};

struct writer {
	uint8_t *ptr;
	size_t cap;
	size_t len;
};

void reader_init(struct reader *r, const uint8_t *data, size_t len);
size_t reader_left(const struct reader *r);
int reader_get_u8(struct reader *r, uint8_t *v);
int reader_get_u16(struct reader *r, uint16_t *v);
int reader_get_u32(struct reader *r, uint32_t *v);
int reader_get_u64(struct reader *r, uint64_t *v);
int reader_get_bytes(struct reader *r, void *out, size_t n);
int reader_skip(struct reader *r, size_t n);
/* Splits off the next n bytes as a reader of their own and consumes them. */
int reader_sub(struct reader *r, size_t n, struct reader *sub);
/* Keeps only the first n bytes (n larger than what is left: error). */
int reader_truncate(struct reader *r, size_t n);

void writer_init(struct writer *w, uint8_t *buf, size_t cap);
int writer_put_u8(struct writer *w, uint8_t v);
int writer_put_u16(struct writer *w, uint16_t v);
int writer_put_u64(struct writer *w, uint64_t v);
int writer_put_bytes(struct writer *w, const void *data, size_t n);
int writer_put_zeros(struct writer *w, size_t n);

#endif
