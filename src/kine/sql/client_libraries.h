// PostgreSQL's and MariaDB's client libraries, loaded when a datastore endpoint asks for
// them. Linked in, they and their ~20 dependencies (Kerberos, LDAP, GnuTLS, ...) were loaded
// and relocated at every start of the binary, `k3s kubectl` and `k3s --version` included,
// and the binary could not start at all on a machine without them, even on SQLite.
#pragma once

#include <libpq-fe.h>
#include <mysql.h>

namespace k3s::kine::sql {

#define K3S_LIBPQ_FUNCTIONS(X)                                                                                   \
  X(PQclear) X(PQcmdTuples) X(PQconndefaults) X(PQconninfoFree) X(PQconnectdbParams) X(PQconsumeInput)           \
  X(PQerrorMessage) X(PQexec) X(PQexecPrepared) X(PQfinish) X(PQfreemem) X(PQftype) X(PQgetisnull) X(PQgetlength) \
  X(PQgetvalue) X(PQnfields) X(PQnotifies) X(PQntuples) X(PQprepare) X(PQresultErrorField)                         \
  X(PQresultErrorMessage) X(PQresultStatus) X(PQsetNoticeProcessor) X(PQsocket) X(PQstatus)

#define K3S_LIBMARIADB_FUNCTIONS(X)                                                                              \
  X(mysql_affected_rows) X(mysql_close) X(mysql_errno) X(mysql_error) X(mysql_fetch_fields) X(mysql_fetch_lengths) \
  X(mysql_fetch_row) X(mysql_field_count) X(mysql_free_result) X(mysql_init) X(mysql_insert_id)                   \
  X(mysql_next_result) X(mysql_num_fields) X(mysql_num_rows) X(mysql_optionsv) X(mysql_real_connect)             \
  X(mysql_real_query) X(mysql_ssl_set) X(mysql_store_result)

#define K3S_CLIENT_LIBRARY_MEMBER(name) decltype(&::name) name = nullptr;

struct LibPq {
  K3S_LIBPQ_FUNCTIONS(K3S_CLIENT_LIBRARY_MEMBER)
};

struct LibMariaDb {
  K3S_LIBMARIADB_FUNCTIONS(K3S_CLIENT_LIBRARY_MEMBER)
};

#undef K3S_CLIENT_LIBRARY_MEMBER

// Load on first use; throw kine::StoreError (invalid_argument) naming the library and the
// Debian package that provides it when it cannot be loaded. A later call tries again.
const LibPq& libpq();
const LibMariaDb& libmariadb();

}  // namespace k3s::kine::sql
