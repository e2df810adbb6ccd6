#include "dsn.h"

#include <cctype>
#include <charconv>

#include "kine/store.h"

namespace k3s::kine {
namespace {

constexpr const char* kDefaultDatabase = "kubernetes";

[[noreturn]] void malformed(const std::string& endpoint, const std::string& why) {
  std::string shown = redact_endpoint(endpoint);
  for (auto& c : shown)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';  // keep the message on one line
  throw StoreError(Errc::invalid_argument, "invalid datastore endpoint \"" + shown + "\": " + why);
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(const std::string& endpoint, const std::string& s, bool plus_is_space) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      if (i + 2 >= s.size()) malformed(endpoint, "truncated percent-escape");
      int hi = hex_digit(s[i + 1]);
      int lo = hex_digit(s[i + 2]);
      if (hi < 0 || lo < 0) malformed(endpoint, "bad percent-escape");
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (plus_is_space && s[i] == '+') {
      out.push_back(' ');
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::map<std::string, std::string> parse_query(const std::string& endpoint, const std::string& query) {
  std::map<std::string, std::string> options;
  std::size_t pos = 0;
  while (pos < query.size()) {
    std::size_t amp = query.find('&', pos);
    std::string pair = query.substr(pos, amp == std::string::npos ? std::string::npos : amp - pos);
    pos = amp == std::string::npos ? query.size() : amp + 1;
    if (pair.empty()) continue;
    std::size_t eq = pair.find('=');
    std::string key = percent_decode(endpoint, pair.substr(0, eq), true);
    std::string value = eq == std::string::npos ? "" : percent_decode(endpoint, pair.substr(eq + 1), true);
    if (key.empty()) malformed(endpoint, "empty option name in query string");
    options[key] = value;
  }
  return options;
}

int parse_port(const std::string& endpoint, const std::string& text) {
  int port = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
  if (ec != std::errc() || ptr != text.data() + text.size() || port <= 0 || port > 65535)
    malformed(endpoint, "bad port \"" + text + "\"");
  return port;
}

// "host", "host:port", "[v6]:port"
void parse_host_port(const std::string& endpoint, const std::string& text, int default_port, Dsn& dsn) {
  std::string host = text;
  std::string port;
  if (starts_with(text, "[")) {
    std::size_t close = text.find(']');
    if (close == std::string::npos) malformed(endpoint, "unterminated [IPv6] host");
    host = text.substr(1, close - 1);
    if (close + 1 < text.size()) {
      if (text[close + 1] != ':') malformed(endpoint, "garbage after [IPv6] host");
      port = text.substr(close + 2);
    }
  } else if (std::size_t colon = text.rfind(':'); colon != std::string::npos) {
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  dsn.host = host.empty() ? "localhost" : host;
  dsn.port = port.empty() ? default_port : parse_port(endpoint, port);
}

// user[:password]@ — returns what follows the '@' (or everything when there is none).
std::string take_credentials(const std::string& endpoint, const std::string& rest, Dsn& dsn) {
  // The password may contain '@'; the host part never does, so split at the last '@' before
  // the database path (which, in mysql's "tcp(...)" form, starts after ")/").
  std::size_t at = std::string::npos;
  std::size_t limit = rest.find(")/");
  if (limit == std::string::npos) limit = rest.size();
  for (std::size_t i = 0; i < limit; ++i)
    if (rest[i] == '@') at = i;
  if (at == std::string::npos) return rest;
  std::string userinfo = rest.substr(0, at);
  std::size_t colon = userinfo.find(':');
  dsn.user = percent_decode(endpoint, userinfo.substr(0, colon), false);
  if (colon != std::string::npos) dsn.password = percent_decode(endpoint, userinfo.substr(colon + 1), false);
  return rest.substr(at + 1);
}

void split_query(const std::string& endpoint, std::string& rest, Dsn& dsn) {
  std::size_t q = rest.find('?');
  if (q != std::string::npos) {
    dsn.options = parse_query(endpoint, rest.substr(q + 1));
    rest = rest.substr(0, q);
  }
}

void check_database_name(const std::string& endpoint, const std::string& name) {
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '$'))
      malformed(endpoint, "database name \"" + name + "\" may only hold letters, digits, '_', '-' and '$'");
}

Dsn parse_sqlite(const std::string& endpoint, const std::string& rest, const std::string& default_path) {
  Dsn dsn;
  dsn.kind = Dsn::Kind::sqlite;
  std::string path = rest;
  split_query(endpoint, path, dsn);
  dsn.path = path.empty() ? default_path : percent_decode(endpoint, path, false);
  if (dsn.path.empty()) malformed(endpoint, "no SQLite file path");
  return dsn;
}

Dsn parse_postgres(const std::string& endpoint, const std::string& after_scheme) {
  Dsn dsn;
  dsn.kind = Dsn::Kind::postgres;
  std::string rest = after_scheme;
  split_query(endpoint, rest, dsn);
  rest = take_credentials(endpoint, rest, dsn);
  std::size_t slash = rest.find('/');
  std::string hostport = rest.substr(0, slash);
  dsn.database = slash == std::string::npos ? "" : percent_decode(endpoint, rest.substr(slash + 1), false);
  if (dsn.database.find('/') != std::string::npos) malformed(endpoint, "database name contains '/'");
  if (dsn.database.empty()) dsn.database = kDefaultDatabase;
  check_database_name(endpoint, dsn.database);
  if (auto it = dsn.options.find("host"); it != dsn.options.end() && starts_with(it->second, "/")) {
    dsn.unix_socket = it->second;
    dsn.options.erase(it);
  }
  if (hostport.empty() && dsn.unix_socket.empty()) hostport = "localhost";
  if (!hostport.empty()) parse_host_port(endpoint, hostport, 5432, dsn);
  if (auto it = dsn.options.find("port"); it != dsn.options.end()) {
    dsn.port = parse_port(endpoint, it->second);
    dsn.options.erase(it);
  }
  if (dsn.port == 0) dsn.port = 5432;
  return dsn;
}

// go-sql-driver form: [user[:password]@][tcp[(addr)]|unix(path)]/dbname[?params]
Dsn parse_mysql(const std::string& endpoint, const std::string& after_scheme) {
  Dsn dsn;
  dsn.kind = Dsn::Kind::mysql;
  std::string rest = after_scheme;
  split_query(endpoint, rest, dsn);
  rest = take_credentials(endpoint, rest, dsn);
  std::size_t slash = rest.rfind('/');
  if (slash == std::string::npos) malformed(endpoint, "expected mysql://user:pass@tcp(host:port)/database");
  std::string address = rest.substr(0, slash);
  dsn.database = percent_decode(endpoint, rest.substr(slash + 1), false);
  if (dsn.database.empty()) dsn.database = kDefaultDatabase;
  check_database_name(endpoint, dsn.database);
  if (address.empty() || address == "tcp") {
    dsn.host = "127.0.0.1";
    dsn.port = 3306;
  } else if (starts_with(address, "tcp(") && address.back() == ')') {
    std::string inner = address.substr(4, address.size() - 5);
    if (inner.empty()) inner = "127.0.0.1";
    parse_host_port(endpoint, inner, 3306, dsn);
  } else if (starts_with(address, "unix(") && address.back() == ')') {
    dsn.unix_socket = address.substr(5, address.size() - 6);
    if (dsn.unix_socket.empty()) malformed(endpoint, "empty unix() socket path");
  } else if (address.find('(') != std::string::npos || address.find(')') != std::string::npos) {
    malformed(endpoint, "unknown network in \"" + address + "\" (use tcp(host:port) or unix(/path))");
  } else {
    parse_host_port(endpoint, address, 3306, dsn);
  }
  return dsn;
}

Dsn parse_etcd(const std::string& endpoint) {
  Dsn dsn;
  dsn.kind = Dsn::Kind::etcd;
  std::size_t pos = 0;
  while (pos <= endpoint.size()) {
    std::size_t comma = endpoint.find(',', pos);
    std::string url = endpoint.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    pos = comma == std::string::npos ? endpoint.size() + 1 : comma + 1;
    if (!starts_with(url, "http://") && !starts_with(url, "https://"))
      malformed(endpoint, "every etcd endpoint must start with http:// or https://");
    std::string hostport = url.substr(url.find("://") + 3);
    if (std::size_t slash = hostport.find('/'); slash != std::string::npos) hostport.resize(slash);
    if (hostport.empty()) malformed(endpoint, "etcd endpoint without a host");
    dsn.endpoints.push_back(url);
  }
  return dsn;
}

}  // namespace

std::string redact_endpoint(const std::string& endpoint) {
  std::size_t scheme = endpoint.find("://");
  if (scheme == std::string::npos) return endpoint;
  std::size_t start = scheme + 3;
  std::size_t limit = endpoint.find(")/", start);
  if (limit == std::string::npos) limit = endpoint.find('/', start);
  if (limit == std::string::npos) limit = endpoint.size();
  std::size_t at = std::string::npos;
  for (std::size_t i = start; i < limit; ++i)
    if (endpoint[i] == '@') at = i;
  if (at == std::string::npos) return endpoint;
  std::size_t colon = endpoint.find(':', start);
  if (colon == std::string::npos || colon > at) return endpoint;
  return endpoint.substr(0, colon + 1) + "***" + endpoint.substr(at);
}

Dsn parse_endpoint(const std::string& endpoint, const std::string& default_sqlite_path) {
  if (endpoint.empty()) {
    if (default_sqlite_path.empty()) malformed(endpoint, "empty endpoint and no default SQLite path");
    Dsn dsn;
    dsn.kind = Dsn::Kind::sqlite;
    dsn.path = default_sqlite_path;
    return dsn;
  }
  for (char c : endpoint)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) malformed(endpoint, "control character in endpoint");
  std::size_t scheme_end = endpoint.find("://");
  if (scheme_end == std::string::npos)
    malformed(endpoint, "missing scheme (expected sqlite://, postgres://, mysql://, http:// or https://)");
  std::string scheme = endpoint.substr(0, scheme_end);
  std::string rest = endpoint.substr(scheme_end + 3);
  if (scheme == "sqlite") return parse_sqlite(endpoint, rest, default_sqlite_path);
  if (scheme == "postgres" || scheme == "postgresql") return parse_postgres(endpoint, rest);
  if (scheme == "mysql") return parse_mysql(endpoint, rest);
  if (scheme == "http" || scheme == "https") return parse_etcd(endpoint);
  malformed(endpoint, "unsupported scheme \"" + scheme + "\" (expected sqlite, postgres, mysql, http or https)");
}

}  // namespace k3s::kine
