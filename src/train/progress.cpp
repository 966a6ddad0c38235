#include "train/progress.h"

#include <cmath>
#include <cstdio>
#include <filesystem>

#include "util/error.h"

namespace swt::train {

JsonlLog::JsonlLog(const std::string& path) {
  if (path.empty()) return;
  const auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent);
  out_.open(path, std::ios::app);
  if (!out_) fail_at(path, 0, "cannot open log for writing");
}

void JsonlLog::write(const nlohmann::json& record) {
  if (!out_.is_open()) return;
  out_ << record.dump() << "\n";
  out_.flush();
}

std::string format_duration(double seconds) {
  const auto total = static_cast<int64_t>(std::llround(std::max(0.0, seconds)));
  const int64_t h = total / 3600, m = (total / 60) % 60, s = total % 60;
  char buf[32];
  if (h > 0)
    std::snprintf(buf, sizeof buf, "%lldh%02lldm%02llds", (long long)h, (long long)m, (long long)s);
  else if (m > 0)
    std::snprintf(buf, sizeof buf, "%lldm%02llds", (long long)m, (long long)s);
  else
    std::snprintf(buf, sizeof buf, "%llds", (long long)s);
  return buf;
}

std::string progress_bar(double fraction, int width) {
  if (fraction < 0) return "";
  fraction = std::min(1.0, fraction);
  const int filled = static_cast<int>(fraction * width);
  char pct[8];
  std::snprintf(pct, sizeof pct, "%3d%%", static_cast<int>(fraction * 100));
  return "[" + std::string(filled, '#') + std::string(width - filled, '.') + "] " + pct;
}

}  // namespace swt::train
