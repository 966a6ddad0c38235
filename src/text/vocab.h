// Word vocabulary (SPEC §3 "Words"): specials first, then tokens by descending count.
// File format: one "token<TAB>count" per line, the four specials on lines 1-4.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace swt::text {

inline constexpr const char* kPadToken = "<pad>";
inline constexpr const char* kUnkToken = "<unk>";
inline constexpr const char* kBosToken = "<s>";
inline constexpr const char* kEosToken = "</s>";

class Vocab {
 public:
  static constexpr int kPad = 0, kUnk = 1, kBos = 2, kEos = 3;
  static constexpr int kNumSpecials = 4;

  // Only the four specials (each with count 0).
  Vocab();

  // Counts every token of `sentences`; keeps those seen at least `min_count` times, most
  // frequent first (ties by byte order of the token, so the result is deterministic).
  // max_size <= 0: unlimited; otherwise the total size, specials included (must be >= 4).
  // A data token spelled like a special adds to that special's count.
  static Vocab build(const std::vector<std::vector<std::string>>& sentences, int min_count,
                     int max_size);

  void save(const std::string& path) const;  // atomic
  // Errors name FILE:LINE: bad format, bad count, duplicate token, missing specials.
  static Vocab load(const std::string& path);

  int size() const { return static_cast<int>(tokens_.size()); }
  int id(const std::string& token) const;  // kUnk if unknown
  const std::string& token(int id) const;  // throws std::out_of_range for a bad id
  std::int64_t count(int id) const;
  std::vector<int> encode(const std::vector<std::string>& tokens) const;
  std::vector<std::string> decode(const std::vector<int>& ids) const;  // no trimming

 private:
  void add(const std::string& token, std::int64_t count);
  void check_id(int id) const;

  std::vector<std::string> tokens_;
  std::vector<std::int64_t> counts_;
  std::unordered_map<std::string, int> ids_;
};

}  // namespace swt::text
