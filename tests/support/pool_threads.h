// Parameterised tests that run at several thread-pool sizes
// (kernels/parallel.h): the parameter is the thread count, restored after.
#pragma once

#include <gtest/gtest.h>

#include "kernels/parallel.h"

namespace swt::test {

class PoolThreadsTest : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    saved_ = kernels::parallel_threads();
    kernels::set_parallel_threads(GetParam());
  }
  void TearDown() override { kernels::set_parallel_threads(saved_); }

 private:
  int saved_ = 1;
};

}  // namespace swt::test
