#include "clustermsg.h"

#include <string.h>

#include "buf.h"
#include "err.h"
#include "request.h"

#define CLUSTERMSG_VERSION 1
#define CLUSTERMSG_KIND_GRANT 1

static const uint8_t clustermsg_magic[4] = { 'S', 'P', 'A', 'C' };

void
clustermsg_key(const uint8_t key[SPA_SECRET_LEN], struct mac_key *mk)
{
	uint8_t k[SPA_SECRET_LEN];

	crypto_hkdf(key, "spa cluster grant v1", k);
	mac_key_init(mk, k, sizeof(k));
	crypto_wipe(k, sizeof(k));
}

/* A node or user name: conf.c's alphabet ([A-Za-z0-9._-], not starting
 * with '-' or '.'); an action: a request (request.h). */
static int
clustermsg_name_ok(const char *s, size_t n, int request)
{
	if (n == 0 || n > CLUSTERMSG_NAME_MAX)
		return 0;
	if (request)
		return request_valid(s, n);
	if (s[0] == '-' || s[0] == '.')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		    "0123456789._-", s[i]) == NULL || s[i] == '\0')
			return 0;
	return 1;
}

static int
clustermsg_put_name(struct writer *w, const char *s, int request)
{
	size_t n = strnlen(s, CLUSTERMSG_NAME_MAX + 1);

	if (!clustermsg_name_ok(s, n, request))
		return SPA_ERR_INVALID;
	if (writer_put_u8(w, (uint8_t)n) != 0 || writer_put_bytes(w, s, n) != 0)
		return SPA_ERR_NOSPACE;
	return 0;
}

static int
clustermsg_addr_ok(const struct spa_addr *a)
{
	if (a->family == 4)
		return addr_bytes_are_mapped(a->bytes);
	return a->family == 6 && !addr_bytes_are_mapped(a->bytes);
}

int
clustermsg_encode(const struct mac_key *mk, const struct clustermsg *m,
    uint8_t *out, size_t cap, size_t *len)
{
	struct writer w;
	struct mac_part part;
	int rc;

	*len = 0;
	if (!clustermsg_addr_ok(&m->addr))
		return SPA_ERR_INVALID;
	writer_init(&w, out, cap);
	if (writer_put_bytes(&w, clustermsg_magic, 4) != 0 ||
	    writer_put_u8(&w, CLUSTERMSG_VERSION) != 0 ||
	    writer_put_u8(&w, CLUSTERMSG_KIND_GRANT) != 0 ||
	    writer_put_u64(&w, (uint64_t)m->time) != 0 ||
	    writer_put_bytes(&w, m->nonce, sizeof(m->nonce)) != 0)
		return SPA_ERR_NOSPACE;
	if ((rc = clustermsg_put_name(&w, m->node, 0)) != 0 ||
	    (rc = clustermsg_put_name(&w, m->user, 0)) != 0 ||
	    (rc = clustermsg_put_name(&w, m->action, 1)) != 0)
		return rc;
	if (writer_put_u8(&w, m->addr.family) != 0 ||
	    writer_put_bytes(&w, m->addr.bytes, SPA_ADDR_LEN) != 0 ||
	    writer_put_u64(&w, (uint64_t)m->expiry) != 0 ||
	    w.len + SPA_MAC_LEN > cap)
		return SPA_ERR_NOSPACE;
	part = (struct mac_part){ out, w.len };
	mac_compute(mk, &part, 1, out + w.len);
	*len = w.len + SPA_MAC_LEN;
	return 0;
}

static int
clustermsg_get_name(struct reader *r, char out[CLUSTERMSG_NAME_MAX + 1],
    int request)
{
	uint8_t n;

	if (reader_get_u8(r, &n) != 0)
		return SPA_ERR_TRUNCATED;
	if (n == 0 || n > CLUSTERMSG_NAME_MAX)
		return SPA_ERR_INVALID;
	if (reader_get_bytes(r, out, n) != 0)
		return SPA_ERR_TRUNCATED;
	out[n] = '\0';
	return clustermsg_name_ok(out, n, request) ? 0 : SPA_ERR_INVALID;
}

/* The fields after the MAC is known good; r ends before the MAC. */
static int
clustermsg_fields(struct reader *r, struct clustermsg *out)
{
	uint8_t magic[4], version, kind;
	uint64_t t, e;
	int rc;

	if (reader_get_bytes(r, magic, sizeof(magic)) != 0 ||
	    reader_get_u8(r, &version) != 0 || reader_get_u8(r, &kind) != 0)
		return SPA_ERR_TRUNCATED;
	if (memcmp(magic, clustermsg_magic, sizeof(magic)) != 0 ||
	    version != CLUSTERMSG_VERSION || kind != CLUSTERMSG_KIND_GRANT)
		return SPA_ERR_INVALID;
	if (reader_get_u64(r, &t) != 0 ||
	    reader_get_bytes(r, out->nonce, sizeof(out->nonce)) != 0)
		return SPA_ERR_TRUNCATED;
	if ((rc = clustermsg_get_name(r, out->node, 0)) != 0 ||
	    (rc = clustermsg_get_name(r, out->user, 0)) != 0 ||
	    (rc = clustermsg_get_name(r, out->action, 1)) != 0)
		return rc;
	if (reader_get_u8(r, &out->addr.family) != 0 ||
	    reader_get_bytes(r, out->addr.bytes, SPA_ADDR_LEN) != 0 ||
	    reader_get_u64(r, &e) != 0)
		return SPA_ERR_TRUNCATED;
	out->time = (int64_t)t;
	out->expiry = (int64_t)e;
	if (!clustermsg_addr_ok(&out->addr) || reader_left(r) != 0)
		return SPA_ERR_INVALID;
	return 0;
}

int
clustermsg_decode(const struct mac_key *mk, const uint8_t *buf, size_t len,
    struct clustermsg *out)
{
	uint8_t mac[SPA_MAC_LEN];
	struct mac_part part;
	struct reader r;
	int rc;

	memset(out, 0, sizeof(*out));
	/* Room for the MAC; the fields' lengths are the reader's to check
	 * (each runs past the end: SPA_ERR_TRUNCATED). */
	if (len < SPA_MAC_LEN || len > CLUSTERMSG_MAX)
		return SPA_ERR_TRUNCATED;
	part = (struct mac_part){ buf, len - SPA_MAC_LEN };
	mac_compute(mk, &part, 1, mac);
	if (!mac_equal(mac, buf + len - SPA_MAC_LEN))
		return SPA_ERR_MAC;
	reader_init(&r, buf, len - SPA_MAC_LEN);
	if ((rc = clustermsg_fields(&r, out)) != 0)
		memset(out, 0, sizeof(*out));
	return rc;
}
