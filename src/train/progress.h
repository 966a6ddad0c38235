// Progress of a long job: a human line on stderr (bar, loss, rate, learning
// rate, ETA) and a machine-readable JSON-lines log.
#pragma once

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

namespace swt::train {

class JsonlLog {
 public:
  explicit JsonlLog(const std::string& path);  // appends; "" = no log
  void write(const nlohmann::json& record);    // one line, flushed

 private:
  std::ofstream out_;
};

// "1h02m03s" / "4m05s" / "12s".
std::string format_duration(double seconds);

// "[#####.....]  50%" for a fraction in [0, 1]; "" if the fraction is unknown (< 0).
std::string progress_bar(double fraction, int width = 20);

}  // namespace swt::train
