#include "log/mutations.h"

#include "log/reads.h"

namespace k3s::kine::log {
namespace {

using sql::Param;

std::optional<LogRow> live(std::optional<LogRow> row) {
  if (!row || row->deleted || row->is_bookkeeping()) return std::nullopt;
  return row;
}

template <class T>
bool compare_values(const T& actual, const T& wanted, Compare::Result result) {
  switch (result) {
    case Compare::Result::equal:
      return actual == wanted;
    case Compare::Result::not_equal:
      return actual != wanted;
    case Compare::Result::greater:
      return actual > wanted;
    case Compare::Result::less:
      return actual < wanted;
  }
  return false;
}

bool compare_kv(const KeyValue& kv, const Compare& cmp) {
  switch (cmp.target) {
    case Compare::Target::version:
      return compare_values(kv.version, cmp.number, cmp.result);
    case Compare::Target::create_revision:
      return compare_values(kv.create_revision, cmp.number, cmp.result);
    case Compare::Target::mod_revision:
      return compare_values(kv.mod_revision, cmp.number, cmp.result);
    case Compare::Target::lease:
      return compare_values(kv.lease, cmp.number, cmp.result);
    case Compare::Target::value:
      return compare_values(kv.value, cmp.value, cmp.result);
  }
  return false;
}

}  // namespace

int64_t Mutations::current_revision() { return max_revision(conn_); }

std::optional<LogRow> Mutations::newest(const std::string& key) {
  auto it = seen_.find(key);
  if (it == seen_.end()) it = seen_.emplace(key, newest_row(conn_, key, kNewest)).first;
  return it->second;
}

int64_t Mutations::append(const LogRow& row) {
  static const std::string kInsert =
      "INSERT INTO kine(name, created, deleted, create_revision, prev_revision, lease, value, old_value) "
      "VALUES(?, ?, ?, ?, ?, ?, ?, ?)";
  static const std::string kVersion = "INSERT INTO kine_version(id, version) VALUES(?, ?)";
  int64_t id = conn_.insert_returning_id(
      kInsert, {Param::Text(row.name), Param::Int(row.created ? 1 : 0), Param::Int(row.deleted ? 1 : 0),
                Param::Int(row.create_revision), Param::Int(row.prev_revision), Param::Int(row.lease),
                Param::Blob(row.value), Param::Blob(row.old_value)});
  conn_.modify(kVersion, {Param::Int(id), Param::Int(row.version)});
  LogRow written = row;
  written.id = id;
  remember(written);
  return id;
}

RangeResponse Mutations::range(const RangeRequest& req) {
  if (req.revision != 0) {
    // Historical reads inside a transaction are served like any other read.
    int64_t current = current_revision();
    if (req.revision > current) throw StoreError(Errc::future_revision, "etcdserver: mvcc: required revision is a future revision");
    if (req.revision < stored_compact_revision(conn_))
      throw StoreError(Errc::compacted, "etcdserver: mvcc: required revision has been compacted");
    RangeResponse resp = read_range(conn_, req, req.revision);
    resp.revision = current;
    return resp;
  }
  RangeResponse resp = read_range(conn_, req, kNewest);
  resp.revision = current_revision();
  return resp;
}

PutResponse Mutations::put(const PutRequest& req) {
  check_key(req.key);
  if (req.value.size() > kMaxValueBytes) throw StoreError(Errc::too_large, "etcdserver: request is too large");
  auto newest_seen = newest(req.key);
  auto current = live(newest_seen);
  if ((req.ignore_value || req.ignore_lease) && !current)
    throw StoreError(Errc::invalid_argument, "etcdserver: key not found");

  LogRow row;
  row.name = req.key;
  row.value = req.ignore_value ? current->value : req.value;
  row.lease = req.ignore_lease ? current->lease : req.lease;
  if (row.lease != 0 && !lease_exists(conn_, row.lease))
    throw StoreError(Errc::lease_not_found, "etcdserver: requested lease not found");
  if (current) {
    row.create_revision = current->effective_create_revision();
    row.prev_revision = current->id;
    row.version = current->version + 1;
    row.old_value = current->value;
  } else {
    row.created = true;
    // Pointing at the tombstone (or 0) makes a racing creator hit the unique index.
    row.prev_revision = newest_seen ? newest_seen->id : 0;
    row.version = 1;
  }
  row.id = append(row);

  CommittedEvent committed;
  committed.revision = row.id;
  committed.event.type = Event::Type::put;
  committed.event.kv = row.key_value();
  if (current) committed.event.prev_kv = current->key_value();
  events_.push_back(committed);

  PutResponse resp;
  resp.revision = row.id;
  if (req.prev_kv && current) resp.prev_kv = current->key_value();
  return resp;
}

void Mutations::delete_row(const LogRow& current) {
  LogRow tombstone;
  tombstone.name = current.name;
  tombstone.deleted = true;
  tombstone.create_revision = current.effective_create_revision();
  tombstone.prev_revision = current.id;
  tombstone.lease = current.lease;
  tombstone.value = current.value;
  tombstone.old_value = current.value;
  tombstone.version = current.version;
  tombstone.id = append(tombstone);

  CommittedEvent committed;
  committed.revision = tombstone.id;
  committed.event.type = Event::Type::del;
  committed.event.kv.key = current.name;
  committed.event.kv.mod_revision = tombstone.id;
  committed.event.prev_kv = current.key_value();
  events_.push_back(committed);
}

DeleteRangeResponse Mutations::delete_range(const DeleteRangeRequest& req) {
  check_key(req.key);
  KeyRange range{req.key, req.range_end};
  std::vector<LogRow> victims;
  if (range.single()) {
    if (auto row = live(newest(req.key))) victims.push_back(*row);
  } else {
    for (auto& row : live_rows(conn_, range, kNewest, 0)) {
      // A key this operation already looked at is deleted as it saw it (or not at all).
      if (seen_.count(row.name)) {
        if (auto mine = live(seen_[row.name])) victims.push_back(*mine);
      } else {
        victims.push_back(std::move(row));
      }
    }
  }
  DeleteRangeResponse resp;
  for (const auto& victim : victims) {
    delete_row(victim);
    if (req.prev_kv) resp.prev_kvs.push_back(victim.key_value());
  }
  resp.deleted = static_cast<int64_t>(victims.size());
  resp.revision = victims.empty() ? current_revision() : events_.back().revision;
  return resp;
}

bool Mutations::compare_holds(const Compare& cmp) {
  check_key(cmp.key);
  KeyRange range{cmp.key, cmp.range_end};
  std::vector<LogRow> rows;
  if (range.single()) {
    if (auto row = live(newest(cmp.key))) rows.push_back(*row);
  } else {
    rows = live_rows(conn_, range, kNewest, 0);
    for (auto& row : rows) {
      if (seen_.count(row.name)) {
        auto mine = live(seen_[row.name]);
        if (mine) row = *mine;
      } else {
        remember(row);
      }
    }
  }
  if (rows.empty()) {
    // etcd: a value comparison against a missing key fails; the others compare with zeros.
    if (cmp.target == Compare::Target::value) return false;
    return compare_kv(KeyValue{}, cmp);
  }
  for (const auto& row : rows)
    if (!compare_kv(row.key_value(), cmp)) return false;
  return true;
}

TxnResponse Mutations::txn(const TxnRequest& req) {
  TxnResponse resp;
  resp.succeeded = true;
  for (const auto& cmp : req.compare) {
    if (!compare_holds(cmp)) {
      resp.succeeded = false;
      break;
    }
  }
  const auto& ops = resp.succeeded ? req.success : req.failure;
  std::size_t events_before = events_.size();
  for (const auto& op : ops) {
    std::visit(
        [&](const auto& request) {
          using T = std::decay_t<decltype(request)>;
          if constexpr (std::is_same_v<T, RangeRequest>) {
            resp.responses.emplace_back(range(request));
          } else if constexpr (std::is_same_v<T, PutRequest>) {
            resp.responses.emplace_back(put(request));
          } else if constexpr (std::is_same_v<T, DeleteRangeRequest>) {
            resp.responses.emplace_back(delete_range(request));
          } else {
            if (!request) throw StoreError(Errc::invalid_argument, "etcdserver: empty nested txn");
            resp.responses.emplace_back(std::make_shared<TxnResponse>(txn(*request)));
          }
        },
        op);
  }
  resp.revision = events_.size() > events_before ? events_.back().revision : current_revision();
  return resp;
}

void Mutations::grant_lease(int64_t id, int64_t ttl) {
  if (lease_exists(conn_, id)) throw StoreError(Errc::invalid_argument, "etcdserver: lease already exists");
  conn_.modify("INSERT INTO kine_lease(id, ttl) VALUES(?, ?)", {Param::Int(id), Param::Int(ttl)});
}

bool Mutations::revoke_lease(int64_t id) {
  if (!lease_exists(conn_, id)) return false;
  for (const auto& row : live_rows_with_lease(conn_, id)) delete_row(row);
  conn_.modify("DELETE FROM kine_lease WHERE id = ?", {Param::Int(id)});
  return true;
}

int64_t Mutations::compact_window(int64_t from, int64_t to, int64_t revision) {
  // Rows superseded by a row at or below the compact revision, and tombstones older than it.
  auto superseded = conn_.query(
      "SELECT prev_revision FROM kine WHERE name <> 'compact_rev_key' AND prev_revision <> 0 AND id > ? AND id <= ?",
      {Param::Int(from), Param::Int(to)});
  auto tombstones = conn_.query("SELECT id FROM kine WHERE deleted = 1 AND id > ? AND id <= ? AND id < ?",
                                {Param::Int(from), Param::Int(to), Param::Int(revision)});
  std::vector<int64_t> ids;
  for (auto& row : superseded) ids.push_back(row.integer(0));
  for (auto& row : tombstones) ids.push_back(row.integer(0));
  int64_t removed = 0;
  constexpr std::size_t kChunk = 500;
  for (std::size_t start = 0; start < ids.size(); start += kChunk) {
    std::string list;
    for (std::size_t i = start; i < ids.size() && i < start + kChunk; ++i) {
      if (!list.empty()) list += ",";
      list += std::to_string(ids[i]);
    }
    removed += conn_.modify("DELETE FROM kine WHERE id IN (" + list + ") AND name <> 'compact_rev_key'", {});
    conn_.modify("DELETE FROM kine_version WHERE id IN (" + list + ")", {});
  }
  return removed;
}

void Mutations::store_compact_revision(int64_t revision) {
  conn_.modify("UPDATE kine SET prev_revision = ? WHERE name = 'compact_rev_key'", {Param::Int(revision)});
}

}  // namespace k3s::kine::log
