#include "buf.h"

#include <string.h>

#include "err.h"

void
reader_init(struct reader *r, const uint8_t *data, size_t len)
{
	r->ptr = data;
	r->len = data == NULL ? 0 : len;
}

size_t
reader_left(const struct reader *r)
{
	return r->len;
}

int
reader_get_bytes(struct reader *r, void *out, size_t n)
{
	if (n > r->len)
		return SPA_ERR_TRUNCATED;
	if (n > 0)
		memcpy(out, r->ptr, n);
	r->ptr += n;
	r->len -= n;
	return 0;
}

int
reader_skip(struct reader *r, size_t n)
{
	if (n > r->len)
		return SPA_ERR_TRUNCATED;
	r->ptr += n;
	r->len -= n;
	return 0;
}

int
reader_sub(struct reader *r, size_t n, struct reader *sub)
{
	if (n > r->len)
		return SPA_ERR_TRUNCATED;
	reader_init(sub, r->ptr, n);
	r->ptr += n;
	r->len -= n;
	return 0;
}

int
reader_truncate(struct reader *r, size_t n)
{
	if (n > r->len)
		return SPA_ERR_TRUNCATED;
	r->len = n;
	return 0;
}

static int
reader_get_be(struct reader *r, size_t n, uint64_t *v)
{
	uint8_t b[8];
	uint64_t x = 0;
	int rc = reader_get_bytes(r, b, n);

	if (rc != 0)
		return rc;
	for (size_t i = 0; i < n; i++)
		x = (x << 8) | b[i];
	*v = x;
	return 0;
}

int
reader_get_u8(struct reader *r, uint8_t *v)
{
	uint64_t x;
	int rc = reader_get_be(r, 1, &x);

	if (rc == 0)
		*v = (uint8_t)x;
	return rc;
}

int
reader_get_u16(struct reader *r, uint16_t *v)
{
	uint64_t x;
	int rc = reader_get_be(r, 2, &x);

	if (rc == 0)
		*v = (uint16_t)x;
	return rc;
}

int
reader_get_u32(struct reader *r, uint32_t *v)
{
	uint64_t x;
	int rc = reader_get_be(r, 4, &x);

	if (rc == 0)
		*v = (uint32_t)x;
	return rc;
}

int
reader_get_u64(struct reader *r, uint64_t *v)
{
	return reader_get_be(r, 8, v);
}

void
writer_init(struct writer *w, uint8_t *buf, size_t cap)
{
	w->ptr = buf;
	w->cap = cap;
	w->len = 0;
}

int
writer_put_bytes(struct writer *w, const void *data, size_t n)
{
	if (n > w->cap - w->len)
		return SPA_ERR_NOSPACE;
	if (n > 0)
		memcpy(w->ptr + w->len, data, n);
	w->len += n;
	return 0;
}

int
writer_put_zeros(struct writer *w, size_t n)
{
	if (n > w->cap - w->len)
		return SPA_ERR_NOSPACE;
	memset(w->ptr + w->len, 0, n);
	w->len += n;
	return 0;
}

static int
writer_put_be(struct writer *w, uint64_t v, size_t n)
{
	uint8_t b[8];

	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
	return writer_put_bytes(w, b, n);
}

int
writer_put_u8(struct writer *w, uint8_t v)
{
	return writer_put_be(w, v, 1);
}

int
writer_put_u16(struct writer *w, uint16_t v)
{
	return writer_put_be(w, v, 2);
}

int
writer_put_u64(struct writer *w, uint64_t v)
{
	return writer_put_be(w, v, 8);
}
