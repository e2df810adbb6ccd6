#include "list_body.h"

namespace k3s::apiserver {

namespace {

// Pieces 2i are item i's encoding; 2i+1 the "," after it, or "]}" after the last item.
class CachedItems : public http::BodyPieces {
 public:
  explicit CachedItems(std::vector<CachedPtr> items) : items_(std::move(items)) {}
  std::size_t count() const override { return items_.empty() ? 1 : 2 * items_.size(); }
  std::string_view piece(std::size_t index) const override {
    if (index % 2 == 0 && index / 2 < items_.size()) return items_[index / 2]->encoded;
    return index + 1 >= count() ? std::string_view("]}") : std::string_view(",");
  }

 private:
  std::vector<CachedPtr> items_;
};

}  // namespace

http::Response json_list_response(const std::string& kind, const std::string& api_version, const Json& metadata,
                                  std::vector<CachedPtr> items) {
  http::Response r;
  r.headers.set("Content-Type", "application/json");
  r.body = "{\"kind\":" + Json(kind).dump() + ",\"apiVersion\":" + Json(api_version).dump() +
           ",\"metadata\":" + metadata.dump() + ",\"items\":[";
  r.pieces = std::make_shared<CachedItems>(std::move(items));
  return r;
}

}  // namespace k3s::apiserver
