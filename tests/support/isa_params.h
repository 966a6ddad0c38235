// Value-parameterised kernel tests run once per instruction-set path
// (kernels/isa.h): the fixture lowers the allowed set for its test.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "kernels/isa.h"

namespace swt::test {

class IsaTest : public ::testing::TestWithParam<kernels::Isa> {
 protected:
  void SetUp() override { kernels::set_max_isa(GetParam()); }
  void TearDown() override { kernels::set_max_isa(kernels::Isa::kAvx512); }
};

inline std::string isa_name(const ::testing::TestParamInfo<kernels::Isa>& info) {
  switch (info.param) {
    case kernels::Isa::kScalar:
      return "Scalar";
    case kernels::Isa::kAvx2:
      return "Avx2";
    case kernels::Isa::kAvx512:
      return "Avx512";
  }
  return "Unknown";
}

inline auto all_isas() {
  return ::testing::Values(kernels::Isa::kScalar, kernels::Isa::kAvx2, kernels::Isa::kAvx512);
}

}  // namespace swt::test
