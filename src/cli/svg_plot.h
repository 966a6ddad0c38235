// A minimal scatter plot as SVG text (no plotting library in Debian's C++ set
// that is worth the dependency for one chart).
#pragma once

#include <string>
#include <vector>

namespace swt::cli {

struct PlotPoint {
  double x, y;
  std::string label;
};

std::string scatter_svg(const std::vector<PlotPoint>& points, const std::string& title,
                        const std::string& x_label, const std::string& y_label);

}  // namespace swt::cli
