#include "state.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "err.h"

struct state {
	sqlite3 *db;
	char rolled_back[256];  /* why the last transaction failed, kept past
	                         * its ROLLBACK; "" when the last call worked */
};

/* Layout 3: a grant row is what the grant is (grantrec.h): its first
 * pair in proto and port, the others in more (3 bytes each: proto, port
 * big-endian), a forward's inner host in inner_*; all of it is the key.
 * Layout 2 had no more and inner_* (one pair, no forward); layout 1 stored
 * close commands (table "grants").  The defaults let a binary of layout 2
 * still insert its rows. */
#define GRANT_ROWS_TABLE(name) \
    "CREATE TABLE IF NOT EXISTS " name " (" \
    " family INTEGER NOT NULL, addr BLOB NOT NULL, proto INTEGER NOT NULL," \
    " port INTEGER NOT NULL, user TEXT NOT NULL, action TEXT NOT NULL," \
    " backend TEXT NOT NULL, expiry INTEGER NOT NULL, phase INTEGER NOT NULL," \
    " more BLOB NOT NULL DEFAULT x'', inner_family INTEGER NOT NULL DEFAULT 0," \
    " inner_addr BLOB NOT NULL DEFAULT x'', inner_port INTEGER NOT NULL" \
    " DEFAULT 0, PRIMARY KEY (family, addr, proto, port, more, inner_family," \
    " inner_addr, inner_port));"

static const char state_schema[] =
    "PRAGMA journal_mode=WAL;"
    "PRAGMA synchronous=FULL;"
    "CREATE TABLE IF NOT EXISTS replay ("
    " tag BLOB PRIMARY KEY, expiry INTEGER NOT NULL);";

#define GRANT_ROWS_V2 "family, addr, proto, port, user, action, backend," \
    " expiry, phase"

/* Layout 2 to 3: every row kept, as a grant of one pair. */
static const char state_migrate_2[] =
    "BEGIN IMMEDIATE;"
    GRANT_ROWS_TABLE("grant_rows3")
    "INSERT INTO grant_rows3 (" GRANT_ROWS_V2 ") SELECT " GRANT_ROWS_V2
    " FROM grant_rows;"
    "DROP TABLE grant_rows;"
    "ALTER TABLE grant_rows3 RENAME TO grant_rows;"
    "COMMIT;";

/* Layout 1 to 3: what each grant was is kept (as "opening": its rule may
 * or may not be there, so its close may fail); its commands are dropped. */
static const char state_migrate_1[] =
    "BEGIN IMMEDIATE;"
    "INSERT OR IGNORE INTO grant_rows (" GRANT_ROWS_V2 ")"
    " SELECT family, addr, proto, port, '', '', '', expiry, 0 FROM grants;"
    "DROP TABLE grants;"
    "COMMIT;";

int
state_check_mode(const char *path, const struct stat *sb, int dir,
    char err[STATE_ERR_MAX])
{
	if (dir ? !S_ISDIR(sb->st_mode) : !S_ISREG(sb->st_mode))
		snprintf(err, STATE_ERR_MAX, "state %s: not a %s", path,
		    dir ? "directory" : "regular file");
	else if (sb->st_uid != 0 && sb->st_uid != geteuid())
		snprintf(err, STATE_ERR_MAX, "state %s: owned by uid %u, not by "
		    "root: chown root %s", path, (unsigned)sb->st_uid, path);
	else if (sb->st_mode & (S_IWGRP | S_IWOTH))
		snprintf(err, STATE_ERR_MAX, "state %s: writable by group or "
		    "others: chmod go-w %s", path, path);
	else
		return 0;
	return SPA_ERR_STATE;
}

static int
state_check_paths(const char *dir, const char *db, char err[STATE_ERR_MAX])
{
	struct stat sb;

	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		snprintf(err, STATE_ERR_MAX, "state directory %s: %s", dir,
		    strerror(errno));
		return SPA_ERR_STATE;
	}
	if (stat(dir, &sb) != 0) {
		snprintf(err, STATE_ERR_MAX, "state directory %s: %s", dir,
		    strerror(errno));
		return SPA_ERR_STATE;
	}
	if (state_check_mode(dir, &sb, 1, err) != 0)
		return SPA_ERR_STATE;
	if (lstat(db, &sb) != 0)
		return errno == ENOENT ? 0 : (snprintf(err, STATE_ERR_MAX,
		    "state %.300s: %s", db, strerror(errno)), -1);
	return state_check_mode(db, &sb, 0, err);
}

static int
state_has_table(struct state *st, const char *name)
{
	sqlite3_stmt *stmt = NULL;
	int found = 0;

	if (sqlite3_prepare_v2(st->db, "SELECT 1 FROM sqlite_master WHERE"
	    " type = 'table' AND name = ?", -1, &stmt, NULL) == SQLITE_OK &&
	    sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC) == SQLITE_OK)
		found = sqlite3_step(stmt) == SQLITE_ROW;
	sqlite3_finalize(stmt);
	return found;
}

/* 1 when table has column (a statement reading it compiles). */
static int
state_has_column(struct state *st, const char *table, const char *column)
{
	sqlite3_stmt *stmt = NULL;
	char sql[128];
	int found;

	snprintf(sql, sizeof(sql), "SELECT %s FROM %s LIMIT 0", column, table);
	found = sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL) == SQLITE_OK;
	sqlite3_finalize(stmt);
	return found;
}

/* Runs one migration; a failure undoes all of it, and its reason is kept
 * past the ROLLBACK (state_error).  0 or SPA_ERR_STATE. */
static int
state_migrate(struct state *st, const char *sql)
{
	if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) == SQLITE_OK)
		return 0;
	snprintf(st->rolled_back, sizeof(st->rolled_back), "%s",
	    sqlite3_errmsg(st->db));
	(void)sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	return SPA_ERR_STATE;
}

static int
state_schema_up(struct state *st)
{
	if (sqlite3_exec(st->db, state_schema, NULL, NULL, NULL) != SQLITE_OK)
		return SPA_ERR_STATE;
	if (sqlite3_exec(st->db, GRANT_ROWS_TABLE("grant_rows"), NULL, NULL,
	    NULL) != SQLITE_OK)
		return SPA_ERR_STATE;
	if (!state_has_column(st, "grant_rows", "more") &&
	    state_migrate(st, state_migrate_2) != 0)
		return SPA_ERR_STATE;
	if (state_has_table(st, "grants") &&
	    state_migrate(st, state_migrate_1) != 0)
		return SPA_ERR_STATE;
	return 0;
}

int
state_open(const char *dir, struct state **out, char err[STATE_ERR_MAX])
{
	struct state *st = calloc(1, sizeof(*st));
	char path[4096];
	int memory = dir == NULL || *dir == '\0';

	*out = NULL;
	if (st == NULL) {
		snprintf(err, STATE_ERR_MAX, "state: out of memory");
		return SPA_ERR_STATE;
	}
	snprintf(path, sizeof(path), "%s/state.db", memory ? "" : dir);
	if (!memory && state_check_paths(dir, path, err) != 0) {
		free(st);
		return SPA_ERR_STATE;
	}
	if (sqlite3_open_v2(memory ? ":memory:" : path, &st->db,
	    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOFOLLOW,
	    NULL) != SQLITE_OK || state_schema_up(st) != 0) {
		snprintf(err, STATE_ERR_MAX, "%.300s: %.200s", memory ? "memory" :
		    path, st->db ? state_error(st) : "cannot open");
		state_close(st);
		return SPA_ERR_STATE;
	}
	sqlite3_busy_timeout(st->db, STATE_BUSY_MS);
	*out = st;
	return 0;
}

int
state_open_readonly(const char *dir, struct state **out,
    char err[STATE_ERR_MAX])
{
	struct state *st = calloc(1, sizeof(*st));
	char path[4096];
	struct stat sb;

	*out = NULL;
	if (st == NULL) {
		snprintf(err, STATE_ERR_MAX, "state: out of memory");
		return SPA_ERR_STATE;
	}
	snprintf(path, sizeof(path), "%s/state.db", dir);
	if (stat(dir, &sb) != 0 || lstat(path, &sb) != 0) {
		snprintf(err, STATE_ERR_MAX, "state %.300s: %s", path,
		    strerror(errno));
		free(st);
		return SPA_ERR_STATE;
	}
	if ((stat(dir, &sb) != 0 || state_check_mode(dir, &sb, 1, err) != 0) ||
	    (lstat(path, &sb) != 0 || state_check_mode(path, &sb, 0, err) != 0)) {
		free(st);
		return SPA_ERR_STATE;
	}
	if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READONLY |
	    SQLITE_OPEN_NOFOLLOW, NULL) != SQLITE_OK) {
		snprintf(err, STATE_ERR_MAX, "%.300s: %.200s", path,
		    st->db ? sqlite3_errmsg(st->db) : "cannot open");
		state_close(st);
		return SPA_ERR_STATE;
	}
	sqlite3_busy_timeout(st->db, STATE_BUSY_MS);
	*out = st;
	return 0;
}

void
state_close(struct state *st)
{
	if (st == NULL)
		return;
	sqlite3_close(st->db);
	free(st);
}

void
state_set_busy_ms(struct state *st, int ms)
{
	sqlite3_busy_timeout(st->db, ms);
}

const char *
state_error(const struct state *st)
{
	return st->rolled_back[0] != '\0' ? st->rolled_back :
	    sqlite3_errmsg(st->db);
}

/* Prepares sql; runs it to completion after bind() filled it. */
static int
state_exec(struct state *st, const char *sql,
    int (*bind)(sqlite3_stmt *, const void *), const void *arg)
{
	sqlite3_stmt *stmt = NULL;
	int rc;

	st->rolled_back[0] = '\0';
	if (sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL) != SQLITE_OK)
		return SPA_ERR_STATE;
	rc = bind(stmt, arg) == SQLITE_OK ? sqlite3_step(stmt) : SQLITE_ERROR;
	sqlite3_finalize(stmt);
	return rc == SQLITE_DONE ? 0 : SPA_ERR_STATE;
}

struct replay_row {
	const uint8_t *tag;
	int64_t expiry;
};

static int
state_bind_replay(sqlite3_stmt *stmt, const void *arg)
{
	const struct replay_row *r = arg;
	int rc = sqlite3_bind_blob(stmt, 1, r->tag, SPA_MAC_LEN, SQLITE_STATIC);

	return rc != SQLITE_OK ? rc : sqlite3_bind_int64(stmt, 2, r->expiry);
}

int
state_replay_add(struct state *st, const uint8_t tag[SPA_MAC_LEN],
    int64_t expiry)
{
	struct replay_row r = { tag, expiry };

	return state_exec(st, "INSERT INTO replay (tag, expiry) VALUES (?, ?)"
	    " ON CONFLICT (tag) DO UPDATE SET expiry = max(expiry, excluded.expiry)",
	    state_bind_replay, &r);
}

static int
state_bind_now(sqlite3_stmt *stmt, const void *arg)
{
	return sqlite3_bind_int64(stmt, 1, *(const int64_t *)arg);
}

static long
state_count(struct state *st, const char *sql)
{
	sqlite3_stmt *stmt = NULL;
	long n = SPA_ERR_STATE;

	if (sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL) == SQLITE_OK &&
	    sqlite3_step(stmt) == SQLITE_ROW)
		n = (long)sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	return n;
}

long
state_replay_prune(struct state *st, int64_t now)
{
	if (state_exec(st, "DELETE FROM replay WHERE expiry <= ?",
	    state_bind_now, &now) != 0)
		return SPA_ERR_STATE;
	return state_count(st, "SELECT count(*) FROM replay");
}

long
state_replay_load(struct state *st, struct replay_cache *rc, int64_t now)
{
	sqlite3_stmt *stmt = NULL;
	long n = 0;
	int step;

	if (state_replay_prune(st, now) < 0 ||
	    sqlite3_prepare_v2(st->db, "SELECT tag, expiry FROM replay", -1,
	    &stmt, NULL) != SQLITE_OK)
		return SPA_ERR_STATE;
	while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (sqlite3_column_bytes(stmt, 0) != SPA_MAC_LEN)
			continue;       /* not a tag: nothing to remember */
		if (replay_add(rc, sqlite3_column_blob(stmt, 0),
		    sqlite3_column_int64(stmt, 1), now) != 0)
			break;
		n++;
	}
	sqlite3_finalize(stmt);
	return step == SQLITE_DONE ? n : SPA_ERR_STATE;
}

/* The key columns, numbered 1 to 8: family, addr, proto, port, more,
 * inner_family, inner_addr, inner_port. */
static int
state_bind_grant_key(sqlite3_stmt *stmt, const struct grantrec *r)
{
	uint8_t more[3 * (GRANTREC_PAIRS_MAX - 1)];
	size_t n = 0;
	int rc = sqlite3_bind_int(stmt, 1, r->addr.family);

	for (unsigned i = 0; i < r->nmore && i < GRANTREC_PAIRS_MAX - 1; i++) {
		more[n++] = r->more[i].proto;
		more[n++] = (uint8_t)(r->more[i].port >> 8);
		more[n++] = (uint8_t)r->more[i].port;
	}
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_blob(stmt, 2, r->addr.bytes, SPA_ADDR_LEN,
		    SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int(stmt, 3, r->proto);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int(stmt, 4, r->port);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_blob(stmt, 5, more, (int)n, SQLITE_TRANSIENT);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int(stmt, 6, r->inner.family);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_blob(stmt, 7, r->inner.bytes,
		    r->inner.family != 0 ? SPA_ADDR_LEN : 0, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int(stmt, 8, r->inner_port);
	return rc;
}

static int
state_bind_grant(sqlite3_stmt *stmt, const void *arg)
{
	const struct grantrec *r = arg;
	int rc = state_bind_grant_key(stmt, r);

	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(stmt, 9, r->user, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(stmt, 10, r->action, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(stmt, 11, r->backend, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(stmt, 12, r->expiry);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int(stmt, 13, (int)r->phase);
	return rc;
}

#define GRANT_KEY_COLUMNS "family, addr, proto, port, more, inner_family," \
    " inner_addr, inner_port"

/* Refuses a record the engine may not turn into commands, saying so in
 * state_error() (sqlite has nothing to say: it was never asked). */
static int
state_grant_refuse(struct state *st)
{
	snprintf(st->rolled_back, sizeof(st->rolled_back), "not a valid grant "
	    "record (family and address form, proto, port, names)");
	return SPA_ERR_STATE;
}

int
state_grant_put(struct state *st, const struct grantrec *r)
{
	if (!grantrec_valid(r))
		return state_grant_refuse(st);
	return state_exec(st, "INSERT OR REPLACE INTO grant_rows ("
	    GRANT_KEY_COLUMNS ", user, action, backend, expiry, phase)"
	    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", state_bind_grant,
	    r);
}

int
state_grant_put_tagged(struct state *st, const struct grantrec *r,
    const uint8_t tag[SPA_MAC_LEN], int64_t tag_expiry)
{
	st->rolled_back[0] = '\0';
	if (!grantrec_valid(r))
		return state_grant_refuse(st);
	if (sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
	    SQLITE_OK)
		return SPA_ERR_STATE;
	if (state_replay_add(st, tag, tag_expiry) == 0 &&
	    state_grant_put(st, r) == 0 &&
	    sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK)
		return 0;
	snprintf(st->rolled_back, sizeof(st->rolled_back), "%s",
	    sqlite3_errmsg(st->db));
	(void)sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	return SPA_ERR_STATE;
}

static int
state_bind_grant_only_key(sqlite3_stmt *stmt, const void *arg)
{
	return state_bind_grant_key(stmt, arg);
}

int
state_grant_delete(struct state *st, const struct grantrec *r)
{
	return state_exec(st, "DELETE FROM grant_rows WHERE family = ? AND"
	    " addr = ? AND proto = ? AND port = ? AND more = ? AND"
	    " inner_family = ? AND inner_addr = ? AND inner_port = ?",
	    state_bind_grant_only_key, r);
}

/* Column col as text of at most max bytes into out; SPA_ERR_STATE if it
 * is not. */
static int
state_text(sqlite3_stmt *stmt, int col, char *out, size_t max)
{
	const unsigned char *t = sqlite3_column_text(stmt, col);
	int n = sqlite3_column_bytes(stmt, col);

	if (t == NULL || n < 0 || (size_t)n > max || memchr(t, '\0', (size_t)n))
		return SPA_ERR_STATE;
	memcpy(out, t, (size_t)n);
	out[n] = '\0';
	return 0;
}

static int
state_int(sqlite3_stmt *stmt, int col, int64_t min, int64_t max, int64_t *out)
{
	if (sqlite3_column_type(stmt, col) != SQLITE_INTEGER)
		return SPA_ERR_STATE;
	*out = sqlite3_column_int64(stmt, col);
	return *out < min || *out > max ? SPA_ERR_STATE : 0;
}

/* Column col, the further pairs (state_bind_grant_key), into r.  0 or
 * SPA_ERR_STATE; grantrec_valid checks the values. */
static int
state_more(sqlite3_stmt *stmt, int col, struct grantrec *r)
{
	const uint8_t *b = sqlite3_column_blob(stmt, col);
	int n = sqlite3_column_bytes(stmt, col);

	if (sqlite3_column_type(stmt, col) != SQLITE_BLOB &&
	    !(sqlite3_column_type(stmt, col) == SQLITE_TEXT && n == 0))
		return SPA_ERR_STATE;
	if (n < 0 || n % 3 != 0 || n / 3 > GRANTREC_PAIRS_MAX - 1)
		return SPA_ERR_STATE;
	for (int i = 0; i < n / 3; i++) {
		r->more[i].proto = b[3 * i];
		r->more[i].port = (uint16_t)(b[3 * i + 1] << 8 | b[3 * i + 2]);
	}
	r->nmore = (uint8_t)(n / 3);
	return 0;
}

/* Columns col.. (inner_family, inner_addr, inner_port) into r: none
 * (0, empty, 0) or a forward's inner host.  0 or SPA_ERR_STATE; grantrec_valid
 * checks the values. */
static int
state_inner(sqlite3_stmt *stmt, int col, struct grantrec *r)
{
	int64_t family, port;
	int n = sqlite3_column_bytes(stmt, col + 1);

	if (state_int(stmt, col, 0, 6, &family) != 0 ||
	    state_int(stmt, col + 2, 0, 65535, &port) != 0 ||
	    (family != 0 && family != 4 && family != 6) ||
	    n != (family != 0 ? SPA_ADDR_LEN : 0))
		return SPA_ERR_STATE;
	r->inner.family = (uint8_t)family;
	if (n > 0)
		memcpy(r->inner.bytes, sqlite3_column_blob(stmt, col + 1),
		    SPA_ADDR_LEN);
	r->inner_port = (uint16_t)port;
	return 0;
}

/* One row into r, validated.  SPA_ERR_STATE for a row that is not a
 * grant. */
static int
state_grant_row(sqlite3_stmt *stmt, struct grantrec *r)
{
	int64_t family, proto, port, phase;

	memset(r, 0, sizeof(*r));
	if (state_int(stmt, 0, 4, 6, &family) != 0 ||
	    sqlite3_column_bytes(stmt, 1) != SPA_ADDR_LEN ||
	    state_int(stmt, 2, 0, 255, &proto) != 0 ||
	    state_int(stmt, 3, 1, 65535, &port) != 0 ||
	    state_text(stmt, 4, r->user, GRANTREC_USER_MAX) != 0 ||
	    state_text(stmt, 5, r->action, SPA_REQUEST_MAX) != 0 ||
	    state_text(stmt, 6, r->backend, GRANTREC_BACKEND_MAX) != 0 ||
	    state_int(stmt, 7, INT64_MIN, INT64_MAX, &r->expiry) != 0 ||
	    state_int(stmt, 8, 0, GRANT_NPHASES - 1, &phase) != 0 ||
	    state_more(stmt, 9, r) != 0 ||
	    state_inner(stmt, 10, r) != 0)
		return SPA_ERR_STATE;
	r->addr.family = (uint8_t)family;
	memcpy(r->addr.bytes, sqlite3_column_blob(stmt, 1), SPA_ADDR_LEN);
	r->proto = (uint8_t)proto;
	r->port = (uint16_t)port;
	r->phase = (enum grant_phase)phase;
	return grantrec_valid(r) ? 0 : SPA_ERR_STATE;
}

int
state_grant_each(struct state *st,
    int (*fn)(void *ctx, const struct grantrec *r),
    void (*bad)(void *ctx, const char *why), void *ctx)
{
	sqlite3_stmt *stmt = NULL;
	struct grantrec r;
	int step;

	if (sqlite3_prepare_v2(st->db, "SELECT family, addr, proto, port,"
	    " user, action, backend, expiry, phase, more, inner_family,"
	    " inner_addr, inner_port FROM grant_rows ORDER BY expiry", -1,
	    &stmt, NULL) != SQLITE_OK)
		return SPA_ERR_STATE;
	while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (state_grant_row(stmt, &r) != 0) {
			if (bad != NULL)
				bad(ctx, "a grant row that is not valid was "
				    "ignored");
			continue;
		}
		if (fn(ctx, &r) != 0) {
			step = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(stmt);
	return step == SQLITE_DONE ? 0 : SPA_ERR_STATE;
}
