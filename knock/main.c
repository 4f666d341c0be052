/*
 * knock: the SPA client's command line (doc/interface.md "knock").  Parses
 * options and the profile, turns every failure into one line on stderr that
 * says what is wrong and how to fix it, and exits with the sysexits code
 * doc/interface.md fixes.  The work itself is in knock.c and the modules it uses.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <openssl/crypto.h>

#include "addr.h"
#include "decimal.h"
#include "err.h"
#include "harden.h"
#include "hex.h"
#include "key.h"
#include "keygen.h"
#include "knock.h"
#include "profile.h"
#include "request.h"
#include "resolve.h"
#include "stun.h"

#ifndef SPA_VERSION
#define SPA_VERSION "unknown"
#endif

/* The command line as given, before the profile fills the gaps. */
struct cli {
	const char *src, *dst, *port, *sport, *allow, *keyfile;
	const char *pcap, *profile, *output, *request, *stun;
	int classic, native, verbose, keygen, force, sign, public_key;
	int udp, tcp, list;
	int resolve;                    /* -R: learn ALLOW with STUN */
	int family;                     /* -4 or -6: 4 or 6; else 0 */
};

enum { OPT_CLASSIC = 256, OPT_NATIVE, OPT_KEYGEN, OPT_SIGN, OPT_PUBLIC,
	OPT_UDP, OPT_TCP, OPT_STUN };

static const struct option cli_options[] = {
	{ "source", required_argument, NULL, 's' },
	{ "dest", required_argument, NULL, 'd' },
	{ "port", required_argument, NULL, 'p' },
	{ "sport", required_argument, NULL, 'S' },
	{ "allow", required_argument, NULL, 'a' },
	{ "resolve", no_argument, NULL, 'R' },
	{ "stun", required_argument, NULL, OPT_STUN },
	{ "key", required_argument, NULL, 'k' },
	{ "write", required_argument, NULL, 'w' },
	{ "profile", required_argument, NULL, 'n' },
	{ "output", required_argument, NULL, 'o' },
	{ "force", no_argument, NULL, 'f' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "classic", no_argument, NULL, OPT_CLASSIC },
	{ "native", no_argument, NULL, OPT_NATIVE },
	{ "keygen", no_argument, NULL, OPT_KEYGEN },
	{ "sign", no_argument, NULL, OPT_SIGN },
	{ "public", no_argument, NULL, OPT_PUBLIC },
	{ "udp", no_argument, NULL, OPT_UDP },
	{ "tcp", no_argument, NULL, OPT_TCP },
	{ "list", no_argument, NULL, 'l' },
	{ "ipv4", no_argument, NULL, '4' },
	{ "ipv6", no_argument, NULL, '6' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static const char usage_text[] =
    "usage: knock [-4|-6] [-s SRC] -d DST [-p PORT] [-S SPORT] [-a ALLOW]\n"
    "             [-k KEYFILE] [--classic] [--udp] [-w FILE.pcap] [-v] REQUEST\n"
    "       knock -R [--stun HOST[:PORT]] -d DST [options] REQUEST\n"
    "       knock -n PROFILE [options] [REQUEST]\n"
    "       knock -l\n"
    "       knock --keygen [--sign] [-o KEYFILE] [-f]\n"
    "       knock --public -k KEYFILE | -n PROFILE\n";

static const char help_text[] =
    "Sends one Single Packet Authorization knock: a TCP SYN (or, with --udp,\n"
    "a UDP datagram) whose payload asks the server at DST to run REQUEST\n"
    "for ALLOW.\n\n"
    "  -d, --dest DST        server address (IPv4 or IPv6) or host name\n"
    "  -4, -6                resolve DST to an IPv4 (-4) or IPv6 (-6) address\n"
    "                        (default: -s's family, else the first answer)\n"
    "  -p, --port PORT       server port, TCP or UDP (default 5001)\n"
    "      --udp             send a UDP datagram from an ordinary socket: no\n"
    "                        root needed (--tcp: the raw TCP SYN, the default)\n"
    "  -s, --source SRC      IP source address (default: the kernel's choice;\n"
    "                        not with --udp)\n"
    "  -S, --sport SPORT     source port (default: random 1024..65535)\n"
    "  -a, --allow ALLOW     native: the address to open for (default: SRC)\n"
    "  -R, --resolve         ask for the public address instead, learnt from\n"
    "                        the STUN server of --stun or the profile's stun =\n"
    "      --stun HOST[:PORT]  that server (default port 3478); goes with -R\n"
    "  -k, --key KEYFILE     base64 key, mode 0600 or stricter: a 32-byte\n"
    "                        secret sends native, a 64-byte signing key\n"
    "                        (S || seed) the signed format (179 bytes)\n"
    "      --classic         the paper's 35-byte format (no signing key);\n"
    "                        --native the default (signed if the key signs)\n"
    "  -w, --write FILE      write the frame to a pcap file instead of sending\n"
    "  -n, --profile NAME    [NAME] of ~/.config/spa/knock.conf; flags override\n"
    "  -l, --list            list the profiles: names and servers, never keys\n"
    "  -v, --verbose         print what was sent (never the key)\n"
    "      --keygen          print a new key, or write it to -o FILE (0600);\n"
    "                        -f replaces an existing file\n"
    "      --sign            with --keygen: a signing key.  With -o FILE, FILE\n"
    "                        gets it and stdout the server's [user] lines\n"
    "                        'key = S' and 'public = A'; without -o, stdout\n"
    "                        gets the 88-character key line, then those two\n"
    "      --public          print those two lines again for the signing key\n"
    "                        of -k KEYFILE or -n PROFILE (never the seed)\n"
    "  -h, --help            this text;  -V, --version\n\n"
    "Exit status: 0 sent or written, 64 usage, 66 key or profile missing or\n"
    "unreadable (--public: not a signing key), 68 host name not resolved,\n"
    "69 network error (-R: no answer from the STUN server), 73 output file\n"
    "not created, 76 the STUN server refused or gave no usable address,\n"
    "77 not permitted (raw socket without root or CAP_NET_RAW: use --udp;\n"
    "key file too open).\n";

__attribute__((format(printf, 2, 3)))
static int
fail(int status, const char *fmt, ...)
{
	va_list ap;

	fputs("knock: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return status;
}

/* One line; the whole usage is -h's. */
static int
usage_error(const char *what)
{
	fprintf(stderr, "knock: %s (knock -h for help)\n",
	    what != NULL ? what : "bad usage");
	return EX_USAGE;
}

/* Returns -1 to go on, or the exit status. */
static int
cli_option(struct cli *c, int opt, const char *arg)
{
	switch (opt) {
	case 's': c->src = arg; break;
	case 'd': c->dst = arg; break;
	case 'p': c->port = arg; break;
	case 'S': c->sport = arg; break;
	case 'a': c->allow = arg; break;
	case 'R': c->resolve = 1; break;
	case OPT_STUN: c->stun = arg; break;
	case 'k': c->keyfile = arg; break;
	case 'w': c->pcap = arg; break;
	case 'n': c->profile = arg; break;
	case 'o': c->output = arg; break;
	case 'f': c->force = 1; break;
	case '4':
	case '6':
		if (c->family != 0 && c->family != opt - '0')
			return usage_error("-4 and -6 exclude each other");
		c->family = opt - '0';
		break;
	case 'v': c->verbose = 1; break;
	case 'l': c->list = 1; break;
	case OPT_UDP: c->udp = 1; break;
	case OPT_TCP: c->tcp = 1; break;
	case OPT_CLASSIC: c->classic = 1; break;
	case OPT_NATIVE: c->native = 1; break;
	case OPT_KEYGEN: c->keygen = 1; break;
	case OPT_SIGN: c->sign = 1; break;
	case OPT_PUBLIC: c->public_key = 1; break;
	case 'h': fputs(usage_text, stdout); fputs(help_text, stdout); return 0;
	case 'V': printf("knock %s\n", SPA_VERSION); return 0;
	default: return usage_error(NULL);
	}
	return -1;
}

/* getopt's own messages would start with the program's path; ours start
 * with "knock: " like every other error. */
static int
cli_bad_option(int opt, char **argv)
{
	char what[128];

	if (opt == ':')
		snprintf(what, sizeof(what), "option %s needs a value",
		    argv[optind - 1]);
	else if (optopt != 0)
		snprintf(what, sizeof(what), "unknown option -%c", optopt);
	else
		snprintf(what, sizeof(what), "unknown option %s", argv[optind - 1]);
	return usage_error(what);
}

/* Returns -1 when the run should go on, else the exit status. */
static int
cli_parse(int argc, char **argv, struct cli *c)
{
	int opt, rc;

	memset(c, 0, sizeof(*c));
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":s:d:p:S:a:Rk:w:n:o:fvl46hV",
	    cli_options, NULL)) != -1) {
		if (opt == '?' || opt == ':')
			return cli_bad_option(opt, argv);
		if ((rc = cli_option(c, opt, optarg)) >= 0)
			return rc;
	}
	if (optind < argc)
		c->request = argv[optind++];
	if (optind < argc)
		return usage_error("one REQUEST only; a request has no spaces");
	if (c->classic && c->native)
		return usage_error("--classic and --native exclude each other");
	if (c->udp && c->tcp)
		return usage_error("--udp and --tcp exclude each other");
	/* -w writes a frame and opens no socket: any source will do. */
	if (c->udp && c->src != NULL && c->pcap == NULL)
		return usage_error("-s sets the source of a raw TCP SYN; a UDP "
		    "knock goes from the kernel's own address: drop -s or --udp");
	if (c->list && (c->src || c->dst || c->port || c->sport || c->allow ||
	    c->keyfile || c->pcap || c->profile || c->request || c->classic ||
	    c->native || c->udp || c->tcp || c->family || c->keygen ||
	    c->public_key || c->output || c->force || c->sign || c->verbose))
		return usage_error("-l takes no other option");
	if (c->keygen && c->public_key)
		return usage_error("--keygen and --public exclude each other");
	if (c->keygen && (c->src || c->dst || c->port || c->sport || c->allow ||
	    c->keyfile || c->pcap || c->profile || c->request || c->classic ||
	    c->family || c->udp || c->tcp || c->resolve || c->stun))
		return usage_error("--keygen takes only --sign, -o FILE and -f");
	if (!c->keygen && (c->output || c->force))
		return usage_error("-o and -f go with --keygen");
	if (!c->keygen && c->sign)
		return usage_error("--sign goes with --keygen (a signing key "
		    "signs every knock; no flag is needed to send one)");
	if (c->public_key && (c->src || c->dst || c->port || c->sport ||
	    c->allow || c->pcap || c->request || c->classic || c->native ||
	    c->verbose || c->family || c->udp || c->tcp || c->resolve ||
	    c->stun))
		return usage_error("--public takes only -k KEYFILE or -n PROFILE");
	if (c->resolve && c->allow)
		return usage_error("-R and -a exclude each other (-R learns the "
		    "address that -a would give)");
	if (c->stun && !c->resolve)
		return usage_error("--stun goes with -R");
	if (c->public_key && c->keyfile == NULL && c->profile == NULL)
		return usage_error("--public needs a signing key: give -k "
		    "KEYFILE or -n PROFILE");
	return -1;
}

static int
run_keygen(const struct cli *c)
{
	char dir[PATH_MAX];
	int rc;

	if (c->output == NULL) {
		rc = c->sign ? keygen_sign_print(stdout) : keygen_print(stdout);
		return rc == 0 ? 0 : fail(EX_OSERR, "cannot make a key: %s",
		    err_str(rc));
	}
	if ((rc = keygen_make_parents(c->output, dir)) == SPA_ERR_SYSTEM)
		return fail(EX_CANTCREAT, "cannot create directory %s: %s", dir,
		    strerror(errno));
	if (rc != 0)
		return fail(EX_CANTCREAT, "cannot create %s: the path is too "
		    "long", c->output);
	if (c->sign)
		rc = keygen_sign_write(c->output, c->force, stdout);
	else
		rc = keygen_write(c->output, c->force);
	if (rc == SPA_ERR_SYSTEM && ferror(stdout))
		return fail(EX_IOERR, "wrote %s, but cannot print its public "
		    "lines: %s; print them with knock --public -k %s",
		    c->output, strerror(errno), c->output);
	if (rc == SPA_ERR_SYSTEM && errno == EEXIST)
		return fail(EX_CANTCREAT, "%s exists; add -f to replace it, or "
		    "choose another file with -o", c->output);
	if (rc == SPA_ERR_SYSTEM)
		return fail(EX_CANTCREAT, "cannot create %s: %s; check that its "
		    "directory exists and is writable", c->output, strerror(errno));
	if (rc != 0)
		return fail(EX_OSERR, "cannot make a key: %s", err_str(rc));
	return 0;
}

static int
parse_port(const char *opt, const char *text, uint16_t *port)
{
	if (decimal_port(text, port) != 0)
		return fail(EX_USAGE, "%s '%s' is not a port; give a number from "
		    "1 to 65535", opt, text);
	return 0;
}

static int
parse_addr(const char *opt, const char *text, struct spa_addr *a)
{
	if (addr_parse(text, a) != 0)
		return fail(EX_USAGE, "%s '%s' is not an IPv4 or IPv6 address; "
		    "give one like 192.0.2.1 or 2001:db8::1", opt, text);
	/* IPv6 frames to ::ffff:a.b.c.d make no sense: ask for the IPv4 form. */
	if (a->family == 6 && addr_bytes_are_mapped(a->bytes))
		return fail(EX_USAGE, "%s '%s' is IPv4-mapped; give the plain "
		    "IPv4 address", opt, text);
	return 0;
}

/* -d (or the profile's address =): numeric, or a host name resolved in
 * family (0: the first answer).  The MAC binds the address found. */
static int
parse_dst(const char *opt, const char *text, int family,
    struct spa_addr *a)
{
	int gai, rc = resolve_host(text, family, a, &gai);

	if (rc == SPA_ERR_INVALID)
		return fail(EX_USAGE, "%s '%s' is not an IPv%d address; drop "
		    "-%d or give an IPv%d address", opt, text, family, family,
		    family);
	if (rc != 0 && gai != 0)
		return fail(EX_NOHOST, "cannot resolve %s: %s", text,
		    gai_strerror(gai));
	if (rc != 0)
		return fail(EX_USAGE, "%s '%s' is not an IPv4 or IPv6 address "
		    "or a host name; give one like 192.0.2.1, 2001:db8::1 or "
		    "host.example", opt, text);
	if (a->family == 6 && addr_bytes_are_mapped(a->bytes))
		return fail(EX_USAGE, "%s '%s' is IPv4-mapped; give the plain "
		    "IPv4 address", opt, text);
	return 0;
}

static int
resolve_addresses(const struct cli *c, const struct profile *p,
    struct knock_spec *s)
{
	const char *dst = c->dst != NULL ? c->dst :
	    (p->have & PROFILE_ADDRESS) ? p->address : NULL;
	int family = c->family, rc;

	if (c->src != NULL && parse_addr("-s", c->src, &s->src) != 0)
		return EX_USAGE;
	if (c->src == NULL && (p->have & PROFILE_SOURCE))
		s->src = p->source;
	s->has_src = c->src != NULL || (p->have & PROFILE_SOURCE);
	if (dst == NULL)
		return usage_error("no destination; give -d ADDRESS, or -n PROFILE "
		    "with address =");
	/* A name resolves in the source's family unless -4/-6 say. */
	if (family == 0 && s->has_src && resolve_is_name(dst))
		family = s->src.family;
	if ((rc = parse_dst(c->dst != NULL ? "-d" : "address =", dst, family,
	    &s->dst)) != 0)
		return rc;
	if (c->allow != NULL && parse_addr("-a", c->allow, &s->allow) != 0)
		return EX_USAGE;
	if (c->allow == NULL && (p->have & PROFILE_ALLOW))
		s->allow = p->allow;
	/* The server refuses these as malformed (doc/protocol.md native
	 * step 5): say so here rather than send a knock that cannot work. */
	if ((c->allow != NULL || (p->have & PROFILE_ALLOW)) &&
	    !addr_grantable(&s->allow)) {
		char text[SPA_ADDRSTRLEN];

		return fail(EX_USAGE, "%s '%s' is an address no grant can mean "
		    "(unspecified, loopback, multicast or broadcast); give the "
		    "address to open for", c->allow != NULL ? "-a" : "allow =",
		    addr_format(&s->allow, text));
	}
	s->has_allow = c->allow != NULL || (p->have & PROFILE_ALLOW);
	if (s->has_src && s->src.family != s->dst.family)
		return fail(EX_USAGE, "the source and the destination are of "
		    "different families (IPv%u, IPv%u); give a source of the "
		    "destination's family", s->src.family, s->dst.family);
	return 0;
}

static int
resolve_rest(const struct cli *c, const struct profile *p,
    struct knock_spec *s)
{
	const char *request = c->request;

	s->dport = KNOCK_DEFAULT_PORT;
	if (p->have & PROFILE_PORT)
		s->dport = p->port;
	if (c->port != NULL && parse_port("-p", c->port, &s->dport) != 0)
		return EX_USAGE;
	if (c->sport != NULL && parse_port("-S", c->sport, &s->sport) != 0)
		return EX_USAGE;
	s->format = (p->have & PROFILE_FORMAT) ? p->format : PAYLOAD_NATIVE;
	if (c->classic || c->native)
		s->format = c->classic ? PAYLOAD_CLASSIC : PAYLOAD_NATIVE;
	if (s->format == PAYLOAD_CLASSIC && (s->has_allow || c->resolve))
		return usage_error("the classic format carries no allow address; "
		    "drop -a or -R (or the profile's allow =) or use the native "
		    "format");
	if (request == NULL && (p->have & PROFILE_REQUEST))
		request = p->request;
	if (request == NULL)
		return usage_error("no REQUEST; name the action to ask for, e.g. ssh");
	if (!request_valid(request, strlen(request)))
		return fail(EX_USAGE, "request '%s' is invalid: %s", request,
		    err_str(SPA_ERR_REQUEST));
	memcpy(s->request, request, strlen(request) + 1);
	s->pcap_path = c->pcap;
	s->udp = (p->have & PROFILE_TRANSPORT) ? p->udp : 0;
	if (c->udp || c->tcp)
		s->udp = c->udp;
	if (s->udp && s->has_src && s->pcap_path == NULL)
		return usage_error("the profile's source = sets the source of a "
		    "raw TCP SYN; a UDP knock goes from the kernel's own address: "
		    "drop source = or give --tcp");
	return 0;
}

/* -R: the STUN server, --stun's, else the profile's stun =.  Checked
 * before the key is read; asked last (stun_public). */
static int
resolve_stun_server(const struct cli *c, const struct profile *p,
    struct stun_server *out)
{
	if (c->stun != NULL && stun_server_parse(c->stun, out) != 0)
		return fail(EX_USAGE, "--stun '%s' is not HOST[:PORT]; give an "
		    "address or a host name, then :PORT if not 3478 (an IPv6 "
		    "address with a port as [2001:db8::1]:3478)", c->stun);
	if (c->stun != NULL)
		return 0;
	if (p->have & PROFILE_STUN) {
		*out = p->stun;
		return 0;
	}
	return usage_error("-R needs a STUN server; give --stun HOST[:PORT], "
	    "or -n PROFILE with stun =");
}

/* The key: a secret, and a seed when it is a signing key. */
struct knock_key {
	uint8_t secret[SPA_SECRET_LEN];
	uint8_t seed[SIGN_SEED_LEN];
	int has_seed;
	char from[PROFILE_PATH_MAX + 32];       /* where it came from, for
	                                         * messages */
};

static int
load_keyfile(const char *path, struct knock_key *k)
{
	int rc = key_load_client_file(path, k->secret, k->seed, &k->has_seed);

	if (rc == SPA_ERR_SYSTEM)
		return fail(EX_NOINPUT, "cannot read key file %s: %s; check the "
		    "path, or create one with knock --keygen -o %s", path,
		    strerror(errno), path);
	if (rc == SPA_ERR_KEY_MODE)
		return fail(EX_NOPERM, "key file %s is readable by group or "
		    "others; run chmod 600 %s", path, path);
	if (rc == SPA_ERR_KEY_NOT_FILE)
		return fail(EX_NOINPUT, "key file %s is not a regular file; "
		    "give the path of a key file", path);
	if (rc != 0)
		return fail(EX_NOINPUT, "key file %s does not hold a key (one "
		    "line of base64: 32 bytes, or 64 for a signing key); make "
		    "one with knock --keygen -o FILE", path);
	snprintf(k->from, sizeof(k->from), "key file %s", path);
	return 0;
}

static int
resolve_key(const struct cli *c, const struct profile *p,
    struct knock_key *k)
{
	if (c->keyfile != NULL)
		return load_keyfile(c->keyfile, k);
	if (p->have & PROFILE_KEY) {
		memcpy(k->secret, p->key, SPA_SECRET_LEN);
		memcpy(k->seed, p->seed, SIGN_SEED_LEN);
		k->has_seed = p->has_seed;
		snprintf(k->from, sizeof(k->from), "the key of profile [%s]",
		    c->profile);
		return 0;
	}
	if (p->have & PROFILE_KEYFILE)
		return load_keyfile(p->keyfile, k);
	return usage_error("no key; give -k KEYFILE (make one with knock "
	    "--keygen -o KEYFILE), or a profile with key = or keyfile =");
}

static int
load_profile(const char *name, struct profile *p)
{
	char path[PROFILE_PATH_MAX], err[PROFILE_ERR_MAX];

	if (profile_default_path(path) != 0)
		return fail(EX_NOINPUT, "cannot find the profile file: HOME is "
		    "unset; set HOME so that ~/.config/spa/knock.conf can be read");
	switch (profile_load(path, name, p, err)) {
	case 0:
		return 0;
	case SPA_ERR_SYSTEM:
		return fail(EX_NOINPUT, "cannot read profile file %s; create it "
		    "with a [%s] section (see knock(1))", err, name);
	case SPA_ERR_KEY_MODE:
		return fail(EX_NOPERM, "%s", err);
	case SPA_ERR_NOT_FOUND:
		return fail(EX_USAGE, "%s; check the name given to -n, or add "
		    "the section", err);
	default:
		return fail(EX_USAGE, "%s", err);
	}
}

/* -v: one logfmt line on stdout (stderr when -w - writes the pcap file
 * there); the tag, never the key. */
static void
print_report(const struct knock_spec *s, const struct knock_report *r)
{
	char src[SPA_ADDRSTRLEN], dst[SPA_ADDRSTRLEN], allow[SPA_ADDRSTRLEN];
	char tag[2 * SPA_MAC_LEN + 1];
	FILE *out = stdout;

	if (s->pcap_path != NULL && strcmp(s->pcap_path, "-") == 0)
		out = stderr;
	hex_encode(r->tag, SPA_MAC_LEN, tag);
	fprintf(out, "%s src=%s sport=%u dst=%s dport=%u proto=%s format=%s "
	    "request=%s", s->pcap_path != NULL ? "wrote" : "sent",
	    addr_format(&r->src, src), (unsigned)r->sport,
	    addr_format(&r->dst, dst), (unsigned)r->dport,
	    r->udp ? "udp" : "tcp", payload_format_name(r->format), s->request);
	if (r->format != PAYLOAD_CLASSIC)
		fprintf(out, " allow=%s", addr_format(&r->allow, allow));
	fprintf(out, " payload=%zu frame=%zu tag=%s\n", r->payload_len,
	    r->frame_len, tag);
}

static int
knock_error(const struct knock_spec *s, int rc, const char *err)
{
	char dst[SPA_ADDRSTRLEN];

	addr_format(&s->dst, dst);
	switch (rc) {
	case SPA_ERR_NO_ROUTE:
		return fail(EX_UNAVAILABLE, "no route to %s (%s); fix the routing "
		    "or give the source address with -s", dst, err);
	case SPA_ERR_WRITE:
		return fail(EX_CANTCREAT, "cannot write %s: %s; check that its "
		    "directory exists and is writable", s->pcap_path, err);
	case SPA_ERR_UNAVAILABLE:
		return fail(EX_CANTCREAT, "cannot write %s: %s; install libpcap "
		    "(the libpcap0.8 package on Debian)", s->pcap_path, err);
	case SPA_ERR_PERMISSION:
		return fail(EX_NOPERM, "%s: a TCP knock needs root or "
		    "CAP_NET_RAW; send it over UDP with --udp (no privileges), or "
		    "grant the capability once: setcap cap_net_raw+ep "
		    "\"$(command -v knock)\"", err);
	case SPA_ERR_NETWORK:
		return fail(EX_UNAVAILABLE, "sending to %s failed: %s; check the "
		    "network path to it", dst, err);
	default:
		return fail(EX_SOFTWARE, "%s", err);
	}
}

/* Why no answer came, for the one line of a STUN timeout. */
static void
stun_why_silent(const struct stun_answer *a, char *out, size_t n)
{
	size_t k = 0;

	out[0] = '\0';
	if (a->port_unreachable)
		k = (size_t)snprintf(out, n, "; ICMP says nothing listens there");
	if (a->ignored > 0 && k < n && a->bad_attr != 0)
		snprintf(out + k, n - k, "; %u datagram(s) ignored, the last with "
		    "the unknown attribute 0x%04x", a->ignored, a->bad_attr);
	else if (a->ignored > 0 && k < n)
		snprintf(out + k, n - k, "; %u datagram(s) ignored, the last: %s",
		    a->ignored, err_str(a->last_ignored));
}

/* The outcome of stun_query as one line and an exit status. */
static int
stun_error(const char *server, uint16_t port, int rc,
    const struct stun_answer *a)
{
	char why[160];

	switch (rc) {
	case SPA_ERR_TIMEOUT:
		stun_why_silent(a, why, sizeof(why));
		return fail(EX_UNAVAILABLE, "STUN server %s port %u did not "
		    "answer (%u requests in %.1f s%s); check --stun and that UDP "
		    "to it is not blocked", server, (unsigned)port, a->sent,
		    STUN_RTO_MS * ((1u << STUN_SENDS) - 1) / 1000.0, why);
	case SPA_ERR_REFUSED:
		return fail(EX_PROTOCOL, "STUN server %s port %u refused the "
		    "Binding request: error %u %s; use a server that answers "
		    "Binding requests without credentials", server,
		    (unsigned)port, a->error_code, a->reason);
	case SPA_ERR_ADDRESS:
		return fail(EX_PROTOCOL, "STUN server %s port %u answered without "
		    "a mapped address; use another STUN server, or give the "
		    "address with -a", server, (unsigned)port);
	case SPA_ERR_SYSTEM:
		return fail(EX_UNAVAILABLE, "cannot ask STUN server %s port %u: "
		    "%s; check the network path to it", server, (unsigned)port,
		    strerror(errno));
	default:
		return fail(EX_SOFTWARE, "cannot ask STUN server %s port %u: %s",
		    server, (unsigned)port, err_str(rc));
	}
}

/* Where the -R line goes: stdout, or stderr when -w - writes there (as
 * print_report's). */
static FILE *
report_stream(const struct knock_spec *s)
{
	return s->pcap_path != NULL && strcmp(s->pcap_path, "-") == 0 ?
	    stderr : stdout;
}

/* -R: asks the STUN server, in the destination's family, for this host's
 * public address, and the knock asks for it as -a would; one line says
 * which. */
static int
stun_public(const struct stun_server *srv, struct knock_spec *s)
{
	struct spa_addr server;
	struct stun_answer a;
	char text[SPA_ADDRSTRLEN], pub[SPA_ADDRSTRLEN], dst[SPA_ADDRSTRLEN];
	int gai, rc, family = s->dst.family;

	addr_format(&s->dst, dst);
	rc = resolve_host(srv->host, family, &server, &gai);
	if (rc == SPA_ERR_INVALID)
		return fail(EX_USAGE, "the STUN server %s is not IPv%d, and the "
		    "knock to %s is: the address it learns must be of the "
		    "knock's family; give a STUN server of IPv%d", srv->host,
		    family, dst, family);
	if (rc != 0 && gai != 0)
		return fail(EX_NOHOST, "cannot resolve STUN server %s: %s",
		    srv->host, gai_strerror(gai));
	if (rc != 0 || (server.family == 6 &&
	    addr_bytes_are_mapped(server.bytes)))
		return fail(EX_USAGE, "the STUN server '%s' is not an address "
		    "or a host name", srv->host);
	addr_format(&server, text);
	if ((rc = stun_query(&server, srv->port, NULL, &a)) != 0)
		return stun_error(text, srv->port, rc, &a);
	addr_format(&a.mapped, pub);
	if (a.mapped.family != family)
		return fail(EX_PROTOCOL, "STUN server %s reported the IPv%u "
		    "address %s, and the knock to %s needs an IPv%d one; give "
		    "a STUN server that sees this host over IPv%d", text,
		    (unsigned)a.mapped.family, pub, dst, family, family);
	s->allow = a.mapped;
	s->has_allow = 1;
	fprintf(report_stream(s), "stun server=%s port=%u public=%s\n", text,
	    (unsigned)srv->port, pub);
	return 0;
}

/* A signing key signs every native knock (doc/protocol.md "Signed
 * format"); the classic format has no room for a signature. */
static int
resolve_format(const struct cli *c, const struct knock_key *k,
    struct knock_spec *s)
{
	memcpy(s->secret, k->secret, SPA_SECRET_LEN);
	if (!k->has_seed)
		return 0;
	if (s->format == PAYLOAD_CLASSIC)
		return fail(EX_USAGE, "%s is a signing key, and the classic "
		    "format carries no signature; %s, or use a 32-byte key",
		    k->from, c->classic ? "drop --classic" : "drop the "
		    "profile's format = classic (or give --native)");
	s->format = PAYLOAD_SIGNED;
	memcpy(s->seed, k->seed, SIGN_SEED_LEN);
	return 0;
}

static int
run_knock(const struct cli *c)
{
	struct profile p;
	struct knock_key k;
	struct knock_spec s;
	struct knock_report r;
	struct stun_server stun;
	char err[KNOCK_ERR_MAX];
	int rc;

	memset(&p, 0, sizeof(p));
	memset(&k, 0, sizeof(k));
	memset(&s, 0, sizeof(s));
	if (c->profile != NULL && (rc = load_profile(c->profile, &p)) != 0)
		goto wipe;
	if ((rc = resolve_addresses(c, &p, &s)) != 0 ||
	    (rc = resolve_rest(c, &p, &s)) != 0 ||
	    (c->resolve && (rc = resolve_stun_server(c, &p, &stun)) != 0) ||
	    (rc = resolve_key(c, &p, &k)) != 0 ||
	    (rc = resolve_format(c, &k, &s)) != 0)
		goto wipe;
	profile_wipe(&p);
	crypto_wipe(&k, sizeof(k));
	/* Last, after every local check: -R asks the network. */
	if (c->resolve && (rc = stun_public(&stun, &s)) != 0)
		goto wipe;
	rc = knock_fire(&s, &r, err);
	if (rc != 0)
		rc = knock_error(&s, rc, err);
	else if (c->verbose)
		print_report(&s, &r);
wipe:
	profile_wipe(&p);
	crypto_wipe(&k, sizeof(k));
	crypto_wipe(s.secret, sizeof(s.secret));
	crypto_wipe(s.seed, sizeof(s.seed));
	return rc;
}

/* --public: the server's two lines for a signing key, never its seed. */
static int
run_public(const struct cli *c)
{
	struct profile p;
	struct knock_key k;
	int rc;

	memset(&p, 0, sizeof(p));
	memset(&k, 0, sizeof(k));
	if (c->profile != NULL && (rc = load_profile(c->profile, &p)) != 0)
		goto wipe;
	if ((rc = resolve_key(c, &p, &k)) != 0)
		goto wipe;
	if (!k.has_seed) {
		rc = fail(EX_NOINPUT, "%s is a 32-byte secret, not a signing "
		    "key, and has no public key; make a signing key with knock "
		    "--keygen --sign -o FILE", k.from);
		goto wipe;
	}
	rc = keygen_print_public(k.secret, k.seed, stdout);
	if (rc == SPA_ERR_SYSTEM)
		rc = fail(EX_IOERR, "cannot print the public lines: %s",
		    strerror(errno));
	else if (rc != 0)
		rc = fail(EX_SOFTWARE, "cannot compute the public key: %s",
		    err_str(rc));
wipe:
	profile_wipe(&p);
	crypto_wipe(&k, sizeof(k));
	return rc;
}

/* -l: one line per profile, its name and where it knocks; never a key. */
static int
run_list(void)
{
	char path[PROFILE_PATH_MAX], err[PROFILE_ERR_MAX];
	char **names;
	size_t count;
	struct profile p;
	int rc, status = 0;

	if (profile_default_path(path) != 0)
		return fail(EX_NOINPUT, "cannot find the profile file: HOME is "
		    "unset; set HOME so that ~/.config/spa/knock.conf can be read");
	rc = profile_names(path, &names, &count, err);
	if (rc == SPA_ERR_SYSTEM)
		return fail(EX_NOINPUT, "cannot read profile file %s; create it "
		    "with one [NAME] section per server (see knock(1))", err);
	if (rc != 0)
		return fail(EX_USAGE, "%s", err);
	for (size_t i = 0; i < count; i++) {
		rc = profile_load(path, names[i], &p, err);
		profile_wipe(&p);
		if (rc == SPA_ERR_KEY_MODE) {
			status = fail(EX_NOPERM, "%s", err);
			break;
		}
		if (rc != 0) {
			status = fail(EX_USAGE, "%s", err);
			continue;
		}
		printf("%s address=%s port=%u transport=%s", names[i],
		    (p.have & PROFILE_ADDRESS) ? p.address : "-",
		    (p.have & PROFILE_PORT) ? (unsigned)p.port :
		    (unsigned)KNOCK_DEFAULT_PORT, p.udp ? "udp" : "tcp");
		if (p.have & PROFILE_STUN) {
			/* an IPv6 literal in brackets, as --stun takes it */
			int v6 = strchr(p.stun.host, ':') != NULL;

			printf(" stun=%s%s%s:%u", v6 ? "[" : "", p.stun.host,
			    v6 ? "]" : "", (unsigned)p.stun.port);
		}
		putchar('\n');
	}
	profile_names_free(names, count);
	if (fflush(stdout) != 0 && status == 0)
		status = fail(EX_IOERR, "cannot print the list: %s",
		    strerror(errno));
	return status;
}

/*
 * OpenSSL's start-up is a large part of a knock's time, and knock needs
 * little of it: its algorithms are fixed by doc/protocol.md and fetched
 * from the default provider by their provider names, so it reads no
 * openssl.cnf, loads no error strings (messages come from err_str), fills
 * no legacy name tables (EVP_get_cipherbyname would find nothing here) and
 * leaves its heap to the kernel at exit instead of freeing it piece by
 * piece.
 */
#define KNOCK_OPENSSL_INIT (OPENSSL_INIT_NO_LOAD_CONFIG | \
	OPENSSL_INIT_NO_LOAD_CRYPTO_STRINGS | OPENSSL_INIT_NO_ADD_ALL_CIPHERS | \
	OPENSSL_INIT_NO_ADD_ALL_DIGESTS | OPENSSL_INIT_NO_ATEXIT)

int
main(int argc, char **argv)
{
	struct cli c;
	int rc;

	(void)harden_process();
	if ((rc = cli_parse(argc, argv, &c)) >= 0)
		return rc;
	if (OPENSSL_init_crypto(KNOCK_OPENSSL_INIT, NULL) != 1)
		return fail(EX_SOFTWARE, "OpenSSL's libcrypto failed to "
		    "initialise; check its installation (openssl version)");
	if (c.keygen)
		return run_keygen(&c);
	if (c.public_key)
		return run_public(&c);
	if (c.list)
		return run_list();
	return run_knock(&c);
}
