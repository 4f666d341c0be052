/* Project error codes: functions return 0 or one of these (negative). */
#ifndef SPA_ERR_H
#define SPA_ERR_H

enum spa_err {
	SPA_OK = 0,
	SPA_ERR_TRUNCATED = -1,     /* fewer bytes left than the field needs */
	SPA_ERR_NOSPACE = -2,       /* output buffer too small */
	SPA_ERR_INVALID = -3,       /* a value outside its allowed range */
	SPA_ERR_KEY_LENGTH = -4,    /* a key that does not decode to 32 bytes */
	SPA_ERR_BASE64 = -5,        /* not standard base64 */
	SPA_ERR_ADDRESS = -6,       /* not an IPv4 or IPv6 address */
	SPA_ERR_CRYPTO = -7,        /* OpenSSL failed */
	SPA_ERR_NOMEM = -8,
	SPA_ERR_SYSTEM = -9,        /* a system call failed: see errno */
	SPA_ERR_KEY_MODE = -10,     /* key file readable by group or others */
	SPA_ERR_REQUEST = -11,      /* request not 1..32 printable ASCII bytes */
	SPA_ERR_HEX = -12,          /* not an even number of hex digits */
	SPA_ERR_KEY_NOT_FILE = -13, /* key file is not a regular file */
	SPA_ERR_FULL = -14,         /* a bounded queue or table is full */
	SPA_ERR_COMMAND = -15,      /* a command failed or could not run */
	SPA_ERR_TIMEOUT = -16,      /* no answer in time */
	SPA_ERR_MISMATCH = -17,     /* a message that answers another request */
	SPA_ERR_REFUSED = -18,      /* the peer answered with an error */
	SPA_ERR_CONFIG = -19,       /* configuration refused: see the message */
	SPA_ERR_STATE = -20,        /* the state directory or database */
	SPA_ERR_CAPTURE = -21,      /* the packet capture: see the message */
	SPA_ERR_PRIVILEGE = -22,    /* dropping privileges or confining */
	SPA_ERR_MAC = -23,          /* a message's MAC does not match */
	SPA_ERR_NO_ROUTE = -24,     /* no source address toward the destination */
	SPA_ERR_WRITE = -25,        /* a file could not be written */
	SPA_ERR_PERMISSION = -26,   /* needs root or a capability */
	SPA_ERR_NETWORK = -27,      /* the network refused the packet */
	SPA_ERR_UNAVAILABLE = -28,  /* a library it needs cannot be loaded */
	SPA_ERR_NOT_FOUND = -29,    /* no such name (a profile's section) */
};

/* A static, human-readable description of code. */
const char *err_str(int code);

#endif
