#include "cli/svg_plot.h"

#include <algorithm>
#include <cstdio>

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
  for (const auto& p : points) {
    s += "<circle cx=\"" + fmt("%.1f", px(p.x)) + "\" cy=\"" + fmt("%.1f", py(p.y)) +
         "\" r=\"4\" fill=\"steelblue\"/>\n";
    s += "<text x=\"" + fmt("%.1f", px(p.x) + 6) + "\" y=\"" + fmt("%.1f", py(p.y) - 6) + "\">" +
         escape(p.label) + "</text>\n";
  }
  return s + "</svg>\n";
}

}  // namespace swt::cli
