#include "err.h"

const char *
err_str(int code)
{
	switch (code) {
	case SPA_OK: return "success";
	case SPA_ERR_TRUNCATED: return "input truncated";
	case SPA_ERR_NOSPACE: return "output buffer too small";
	case SPA_ERR_INVALID: return "invalid value";
	case SPA_ERR_KEY_LENGTH: return "a key must be exactly 32 bytes (44 base64 characters)";
	case SPA_ERR_BASE64: return "not valid base64";
	case SPA_ERR_ADDRESS: return "not an IPv4 or IPv6 address";
	case SPA_ERR_CRYPTO: return "cryptographic library failure";
	case SPA_ERR_NOMEM: return "out of memory";
	case SPA_ERR_SYSTEM: return "system call failed";
	case SPA_ERR_KEY_MODE: return "key file is readable by group or others (chmod 600 it)";
	case SPA_ERR_REQUEST: return "a request is 1 to 32 printable ASCII characters (no spaces)";
	case SPA_ERR_HEX: return "not valid hexadecimal";
	case SPA_ERR_KEY_NOT_FILE: return "key file is not a regular file";
	case SPA_ERR_FULL: return "queue full";
	case SPA_ERR_COMMAND: return "a command failed";
	case SPA_ERR_TIMEOUT: return "no answer in time";
	case SPA_ERR_MISMATCH: return "not an answer to this request";
	case SPA_ERR_REFUSED: return "the server answered with an error";
	case SPA_ERR_CONFIG: return "configuration error";
	case SPA_ERR_STATE: return "state directory or database unusable";
	case SPA_ERR_CAPTURE: return "packet capture failed";
	case SPA_ERR_PRIVILEGE: return "cannot drop privileges or confine the process";
	case SPA_ERR_MAC: return "the message authentication code does not match";
	case SPA_ERR_NO_ROUTE: return "no route to the destination";
	case SPA_ERR_WRITE: return "cannot write the file";
	case SPA_ERR_PERMISSION: return "not permitted: needs root or CAP_NET_RAW";
	case SPA_ERR_NETWORK: return "the network refused the packet";
	case SPA_ERR_UNAVAILABLE: return "a library it needs cannot be loaded";
	case SPA_ERR_NOT_FOUND: return "not found";
	}
	return "unknown error";
}
