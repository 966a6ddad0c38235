#include "text/vocab.h"

#include <algorithm>
#include <charconv>
#include <stdexcept>

#include "util/error.h"
#include "util/text_file.h"

namespace swt::text {

namespace {

const char* const kSpecials[Vocab::kNumSpecials] = {kPadToken, kUnkToken, kBosToken, kEosToken};

// Tokens end up in a tab-separated file and in space-separated tokenized text.
bool has_separator(const std::string& token) {
  return token.find_first_of(" \t\r\n") != std::string::npos;
}

// Parses "token<TAB>count"; returns an error description or "" when the line is fine.
std::string parse_line(const std::string& line, std::string& token, std::int64_t& count) {
  const auto tab = line.find('\t');
  if (tab == std::string::npos) return "expected \"token<TAB>count\", found no tab";
  if (line.find('\t', tab + 1) != std::string::npos) return "more than one tab";
  token = line.substr(0, tab);
  if (token.empty()) return "empty token";
  if (has_separator(token)) return "token contains whitespace";
  const char* begin = line.data() + tab + 1;
  const char* end = line.data() + line.size();
  const auto [ptr, ec] = std::from_chars(begin, end, count);
  if (begin == end || ec != std::errc() || ptr != end || count < 0)
    return "count must be a non-negative integer, got \"" + line.substr(tab + 1) + "\"";
  return "";
}

}  // namespace

Vocab::Vocab() {
  for (const char* special : kSpecials) add(special, 0);
}

void Vocab::add(const std::string& token, std::int64_t count) {
  ids_.emplace(token, size());
  tokens_.push_back(token);
  counts_.push_back(count);
}

Vocab Vocab::build(const std::vector<std::vector<std::string>>& sentences, int min_count,
                   int max_size) {
  if (max_size > 0 && max_size < kNumSpecials)
    fail("vocabulary max size " + std::to_string(max_size) + " leaves no room for the " +
         std::to_string(kNumSpecials) + " special tokens");
  Vocab vocab;
  std::unordered_map<std::string, std::int64_t> counts;
  for (const auto& sentence : sentences)
    for (const auto& token : sentence) {
      if (token.empty() || has_separator(token))
        fail("vocabulary token \"" + token + "\" is empty or contains whitespace");
      const auto special = vocab.ids_.find(token);
      if (special != vocab.ids_.end())
        ++vocab.counts_[special->second];
      else
        ++counts[token];
    }
  std::vector<std::pair<std::string, std::int64_t>> kept;
  for (auto& [token, count] : counts)
    if (count >= min_count) kept.emplace_back(token, count);
  std::sort(kept.begin(), kept.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  if (max_size > 0 && kept.size() > static_cast<std::size_t>(max_size - kNumSpecials))
    kept.resize(max_size - kNumSpecials);
  for (const auto& [token, count] : kept) vocab.add(token, count);
  return vocab;
}

void Vocab::save(const std::string& path) const {
  std::string content;
  for (int i = 0; i < size(); ++i) {
    content += tokens_[i];
    content += '\t';
    content += std::to_string(counts_[i]);
    content += '\n';
  }
  write_file_atomic(path, content);
}

Vocab Vocab::load(const std::string& path) {
  const auto lines = read_lines(path);
  Vocab vocab;
  for (int i = 0; i < kNumSpecials; ++i) {
    const std::string expected = "expected special token " + std::string(kSpecials[i]) +
                                 " (the specials <pad> <unk> <s> </s> come first, in order)";
    if (static_cast<std::size_t>(i) >= lines.size()) fail_at(path, i + 1, expected + ", file ends");
    std::string token;
    std::int64_t count = 0;
    const auto problem = parse_line(lines[i], token, count);
    if (!problem.empty()) fail_at(path, i + 1, problem);
    if (token != kSpecials[i]) fail_at(path, i + 1, expected + ", found \"" + token + "\"");
    vocab.counts_[i] = count;
  }
  for (std::size_t i = kNumSpecials; i < lines.size(); ++i) {
    std::string token;
    std::int64_t count = 0;
    const auto problem = parse_line(lines[i], token, count);
    if (!problem.empty()) fail_at(path, i + 1, problem);
    const auto seen = vocab.ids_.find(token);
    if (seen != vocab.ids_.end())
      fail_at(path, i + 1,
              "duplicate token \"" + token + "\" (first on line " +
                  std::to_string(seen->second + 1) + ")");
    vocab.add(token, count);
  }
  return vocab;
}

int Vocab::id(const std::string& token) const {
  const auto it = ids_.find(token);
  return it == ids_.end() ? kUnk : it->second;
}

void Vocab::check_id(int id) const {
  if (id < 0 || id >= size())
    throw std::out_of_range("vocabulary id " + std::to_string(id) + " out of range [0, " +
                            std::to_string(size()) + ")");
}

const std::string& Vocab::token(int id) const {
  check_id(id);
  return tokens_[id];
}

std::int64_t Vocab::count(int id) const {
  check_id(id);
  return counts_[id];
}

std::vector<int> Vocab::encode(const std::vector<std::string>& tokens) const {
  std::vector<int> ids;
  ids.reserve(tokens.size());
  for (const auto& t : tokens) ids.push_back(id(t));
  return ids;
}

std::vector<std::string> Vocab::decode(const std::vector<int>& ids) const {
  std::vector<std::string> tokens;
  tokens.reserve(ids.size());
  for (int i : ids) tokens.push_back(token(i));
  return tokens;
}

}  // namespace swt::text
