// Sequential reading of a Response body given as a head string plus BodyPieces.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "http/message.h"

namespace k3s::http::detail {

class PieceReader {
 public:
  PieceReader(std::string head, std::shared_ptr<const BodyPieces> pieces)
      : head_(std::move(head)), pieces_(std::move(pieces)), count_(pieces_ ? pieces_->count() : 0) {}

  // Copies the next bytes into out[0, capacity); returns how many, 0 once everything was read.
  std::size_t read(char* out, std::size_t capacity);

 private:
  std::string head_;
  std::shared_ptr<const BodyPieces> pieces_;
  std::size_t count_;
  std::size_t index_ = 0;   // 0 = head_, i = piece i - 1
  std::size_t offset_ = 0;  // bytes of the current part already read
};

}  // namespace k3s::http::detail
