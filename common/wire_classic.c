#include "wire_classic.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "err.h"

static const uint8_t classic_marker[CLASSIC_MARKER_LEN] = { 0xff, 0xff, 0xff };

size_t
classic_header(const struct spa_addr *dst, const struct spa_addr *src,
    uint16_t dport, uint16_t sport, char out[CLASSIC_HEADER_MAX + 1])
{
	char d[SPA_ADDRSTRLEN], s[SPA_ADDRSTRLEN];
	int n;

	n = snprintf(out, CLASSIC_HEADER_MAX + 1, "%s%s%u%u",
	    addr_format(dst, d), addr_format(src, s), (unsigned)dport,
	    (unsigned)sport);
	return n < 0 ? 0 : (size_t)n;
}

void
classic_minute(int64_t unix_time, char out[7])
{
	time_t t = (time_t)unix_time;
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	const int fields[3] = { tm.tm_mday, tm.tm_hour, tm.tm_min };

	/* Each field is 0..59 for a valid struct tm. */
	for (int i = 0; i < 3; i++) {
		out[2 * i] = (char)('0' + (unsigned)fields[i] / 10 % 10);
		out[2 * i + 1] = (char)('0' + (unsigned)fields[i] % 10);
	}
	out[6] = '\0';
}

void
classic_tag(const struct mac_key *secret_key, const char *header,
    size_t header_len, const char *request, const char minute[6],
    uint8_t out[SPA_MAC_LEN])
{
	struct mac_part parts[3] = {
		{ header, header_len },
		{ request, strlen(request) },
		{ minute, 6 },
	};

	mac_compute(secret_key, parts, 3, out);
}

int
classic_looks_like(const uint8_t *payload, size_t len)
{
	return len == CLASSIC_LEN &&
	    memcmp(payload, classic_marker, CLASSIC_MARKER_LEN) == 0;
}

int
classic_encode(const struct mac_key *secret_key, const struct spa_addr *dst,
    const struct spa_addr *src, uint16_t dport, uint16_t sport,
    const char *request, int64_t unix_time, uint8_t out[CLASSIC_LEN])
{
	char header[CLASSIC_HEADER_MAX + 1], minute[7];
	size_t header_len;

	if (!request_valid(request, strlen(request)))
		return SPA_ERR_REQUEST;
	header_len = classic_header(dst, src, dport, sport, header);
	classic_minute(unix_time, minute);
	memcpy(out, classic_marker, CLASSIC_MARKER_LEN);
	classic_tag(secret_key, header, header_len, request, minute,
	    out + CLASSIC_MARKER_LEN);
	return 0;
}
