// The BLEU-against-speed plot: every label readable.
#include "cli/svg_plot.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>

namespace swt::cli {

TEST(SvgPlot, LabelsOfCoincidingPointsGoOnDifferentLines) {
  // Speculative settings with identical output share a BLEU and nearly a speed.
  const std::vector<PlotPoint> points{{1.00, 14.4, "full"},
                                      {1.28, 14.4, "spec L1 c0.05"},
                                      {1.30, 14.4, "spec L2 c0.05"},
                                      {1.27, 14.4, "spec L3 c0.05"},
                                      {3.17, 15.5, "baseline 6+1"}};
  const auto svg = scatter_svg(points, "t", "x", "y");
  const std::regex label("<text x=\"([0-9.]+)\" y=\"([0-9.]+)\"[^>]*>(spec[^<]*)</text>");
  std::set<std::string> lines;
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), label); it != std::sregex_iterator();
       ++it)
    lines.insert((*it)[2]);
  EXPECT_EQ(lines.size(), 3u) << svg;  // three close labels, three baselines
  // The rightmost label ends at its point instead of running off the plot.
  EXPECT_NE(svg.find("text-anchor=\"end\">baseline 6+1</text>"), std::string::npos) << svg;
}

}  // namespace swt::cli
