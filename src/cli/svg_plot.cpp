#include "cli/svg_plot.h"

#include <algorithm>
#include <cstdio>
#include <vector>

namespace swt::cli {

namespace {

constexpr double kWidth = 640, kHeight = 420, kLeft = 70, kRight = 20, kTop = 40, kBottom = 60;

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '<')
      out += "&lt;";
    else if (c == '>')
      out += "&gt;";
    else if (c == '&')
      out += "&amp;";
    else
      out += c;
  }
  return out;
}

std::string fmt(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

// A label's box, estimated from a 12-px sans-serif font (7 px a character).
struct Box {
  double x0, y0, x1, y1;
  bool overlaps(const Box& o) const { return x0 < o.x1 && o.x0 < x1 && y0 < o.y1 && o.y0 < y1; }
};

// Where a point's label goes: right of it (left of it near the right edge),
// on the first line, above or below, that no earlier label occupies. Points
// with nearly equal values (e.g. settings with identical output) would
// otherwise print their labels over each other.
std::string place_label(double x, double y, const std::string& label, std::vector<Box>& taken) {
  const double width = 7.0 * static_cast<double>(label.size()), height = 13;
  const bool left = x + 6 + width > kWidth;
  const double x0 = left ? x - 6 - width : x + 6;
  static const double kOffsets[] = {-6, 8, -20, 22, -34, 36, -48, 50, -62, 64};
  double baseline = y - 6;
  for (double dy : kOffsets) {
    const Box box{x0, y + dy - height + 3, x0 + width, y + dy + 3};
    if (std::none_of(taken.begin(), taken.end(), [&](const Box& b) { return b.overlaps(box); })) {
      baseline = y + dy;
      taken.push_back(box);
      break;
    }
  }
  return "<text x=\"" + fmt("%.1f", left ? x - 6 : x + 6) + "\" y=\"" + fmt("%.1f", baseline) +
         (left ? "\" text-anchor=\"end\">" : "\">") + escape(label) + "</text>\n";
}

}  // namespace

std::string scatter_svg(const std::vector<PlotPoint>& points, const std::string& title,
                        const std::string& x_label, const std::string& y_label) {
  double x0 = 1e300, x1 = -1e300, y0 = 1e300, y1 = -1e300;
  for (const auto& p : points) {
    x0 = std::min(x0, p.x), x1 = std::max(x1, p.x);
    y0 = std::min(y0, p.y), y1 = std::max(y1, p.y);
  }
  if (points.empty()) x0 = y0 = 0, x1 = y1 = 1;
  const double dx = std::max(1e-9, x1 - x0) * 0.1, dy = std::max(1e-9, y1 - y0) * 0.1;
  x0 -= dx, x1 += dx, y0 -= dy, y1 += dy;
  auto px = [&](double x) { return kLeft + (x - x0) / (x1 - x0) * (kWidth - kLeft - kRight); };
  auto py = [&](double y) {
    return kHeight - kBottom - (y - y0) / (y1 - y0) * (kHeight - kTop - kBottom);
  };
  std::string s =
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"640\" height=\"420\" "
      "font-family=\"sans-serif\" font-size=\"12\">\n"
      "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  s += "<text x=\"320\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">" + escape(title) +
       "</text>\n";
  s += "<line x1=\"" + fmt("%.1f", kLeft) + "\" y1=\"" + fmt("%.1f", kHeight - kBottom) +
       "\" x2=\"" + fmt("%.1f", kWidth - kRight) + "\" y2=\"" + fmt("%.1f", kHeight - kBottom) +
       "\" stroke=\"black\"/>\n";
  s += "<line x1=\"" + fmt("%.1f", kLeft) + "\" y1=\"" + fmt("%.1f", kTop) + "\" x2=\"" +
       fmt("%.1f", kLeft) + "\" y2=\"" + fmt("%.1f", kHeight - kBottom) + "\" stroke=\"black\"/>\n";
  for (int i = 0; i <= 4; ++i) {
    const double xv = x0 + (x1 - x0) * i / 4, yv = y0 + (y1 - y0) * i / 4;
    s += "<text x=\"" + fmt("%.1f", px(xv)) + "\" y=\"" + fmt("%.1f", kHeight - kBottom + 16) +
         "\" text-anchor=\"middle\">" + fmt("%.2f", xv) + "</text>\n";
    s += "<text x=\"" + fmt("%.1f", kLeft - 6) + "\" y=\"" + fmt("%.1f", py(yv) + 4) +
         "\" text-anchor=\"end\">" + fmt("%.2f", yv) + "</text>\n";
  }
  s += "<text x=\"" + fmt("%.1f", (kLeft + kWidth - kRight) / 2) + "\" y=\"" +
       fmt("%.1f", kHeight - 18) + "\" text-anchor=\"middle\">" + escape(x_label) + "</text>\n";
  s += "<text transform=\"translate(18," + fmt("%.1f", (kTop + kHeight - kBottom) / 2) +
       ") rotate(-90)\" text-anchor=\"middle\">" + escape(y_label) + "</text>\n";
  std::vector<Box> labels;
  for (const auto& p : points) {
    s += "<circle cx=\"" + fmt("%.1f", px(p.x)) + "\" cy=\"" + fmt("%.1f", py(p.y)) +
         "\" r=\"4\" fill=\"steelblue\"/>\n";
    s += place_label(px(p.x), py(p.y), p.label, labels);
  }
  return s + "</svg>\n";
}

}  // namespace swt::cli
