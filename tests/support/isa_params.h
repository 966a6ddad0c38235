// Value-parameterised kernel tests run once per instruction-set path
// (kernels/isa.h): the fixture lowers the allowed set for its test. A path the
// CPU cannot run (AVX-512 on an AVX2-only machine) is reported as skipped, not
// run on the narrower path under the wider path's name.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "kernels/isa.h"

namespace swt::test {

inline std::string isa_label(kernels::Isa isa) {
  switch (isa) {
    case kernels::Isa::kScalar:
      return "Scalar";
    case kernels::Isa::kAvx2:
      return "Avx2";
    case kernels::Isa::kAvx512:
      return "Avx512";
  }
  return "Unknown";
}

inline std::string isa_name(const ::testing::TestParamInfo<kernels::Isa>& info) {
  return isa_label(info.param);
}

class IsaTest : public ::testing::TestWithParam<kernels::Isa> {
 protected:
  void SetUp() override {
    kernels::set_max_isa(GetParam());
    if (kernels::active_isa() != GetParam()) {
      GTEST_SKIP() << "this CPU does not support the " << isa_label(GetParam())
                   << " path (the kernels would run " << isa_label(kernels::active_isa())
                   << " instead)";
    }
  }
  void TearDown() override { kernels::set_max_isa(kernels::Isa::kAvx512); }
};

inline auto all_isas() {
  return ::testing::Values(kernels::Isa::kScalar, kernels::Isa::kAvx2, kernels::Isa::kAvx512);
}

}  // namespace swt::test
