#include "kernels/small_linear.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "kernels/parallel.h"
#include "util/error.h"

namespace swt::kernels {

namespace {

// One pass over output columns [n0, n1) for rows [0, rows) of x
// (rows <= kRowBlock): y = (x . w_n) * scale_n + b_n, with W float or int8
// and scale null for float weights. Each slice of a weight row is loaded
// (and widened) once and multiplied into one accumulator per row of x.
template <typename W>
void block_scalar(const float* x, int64_t rows, const W* w, const float* scale, const float* b,
                  float* y, int64_t k_dim, int64_t n_dim, int64_t n0, int64_t n1) {
  for (int64_t n = n0; n < n1; ++n) {
    const W* wn = w + n * k_dim;
    for (int64_t m = 0; m < rows; ++m) {
      const float* xm = x + m * k_dim;
      float acc = 0;
      for (int64_t k = 0; k < k_dim; ++k) acc += xm[k] * static_cast<float>(wn[k]);
      y[m * n_dim + n] = acc * (scale ? scale[n] : 1.0f) + (b ? b[n] : 0.0f);
    }
  }
}

#if defined(__x86_64__)

SWT_AVX2 inline __m256 load8(const float* w) { return _mm256_loadu_ps(w); }
SWT_AVX2 inline __m256 load8(const int8_t* w) {
  return _mm256_cvtepi32_ps(
      _mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(w))));
}
SWT_AVX512 inline __m512 load16(const float* w) { return _mm512_loadu_ps(w); }
SWT_AVX512 inline __m512 load16(const int8_t* w) {
  return _mm512_cvtepi32_ps(
      _mm512_cvtepi8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w))));
}

SWT_AVX2 inline float horizontal_sum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// Finishes row m of column n: the vector sum plus the scalar tail [k_vec, K).
template <typename W>
inline void store(float sum, const float* x, int64_t m, const W* wn, const float* scale,
                  const float* b, float* y, int64_t k_vec, int64_t k_dim, int64_t n_dim,
                  int64_t n) {
  for (int64_t k = k_vec; k < k_dim; ++k) sum += x[m * k_dim + k] * static_cast<float>(wn[k]);
  y[m * n_dim + n] = sum * (scale ? scale[n] : 1.0f) + (b ? b[n] : 0.0f);
}

// A few rows of x (batch-1 decoding) against `Columns` weight rows at a time.
// With one row, block_avx2's single accumulator is one chain of dependent
// FMAs, bound by their latency; Rows x Columns accumulators are not. Each output's sum
// is formed by the same FMAs in the same order as in block_avx2, so a row gets
// the same bits alone as in a block of rows. Returns the first column left.
template <int Rows, int Columns, typename W>
SWT_AVX2 int64_t few_rows_avx2(const float* x, const W* w, const float* scale, const float* b,
                               float* y, int64_t k_dim, int64_t n_dim, int64_t n0, int64_t n1) {
  const int64_t k_vec = k_dim - k_dim % 8;
  int64_t n = n0;
  for (; n + Columns <= n1; n += Columns) {
    const W* wn = w + n * k_dim;
    __m256 acc[Rows * Columns];
    for (auto& a : acc) a = _mm256_setzero_ps();
    for (int64_t k = 0; k < k_vec; k += 8) {
      __m256 xv[Rows];  // loaded once for all the columns
      for (int m = 0; m < Rows; ++m) xv[m] = _mm256_loadu_ps(x + m * k_dim + k);
      for (int c = 0; c < Columns; ++c) {
        const __m256 wv = load8(wn + c * k_dim + k);
        for (int m = 0; m < Rows; ++m)
          acc[m * Columns + c] = _mm256_fmadd_ps(xv[m], wv, acc[m * Columns + c]);
      }
    }
    for (int m = 0; m < Rows; ++m)
      for (int c = 0; c < Columns; ++c)
        store(horizontal_sum(acc[m * Columns + c]), x, m, wn + c * k_dim, scale, b, y, k_vec, k_dim,
              n_dim, n + c);
  }
  return n;
}

template <typename W>
SWT_AVX2 void block_avx2(const float* x, int64_t rows, const W* w, const float* scale,
                         const float* b, float* y, int64_t k_dim, int64_t n_dim, int64_t n0,
                         int64_t n1) {
  const int64_t k_vec = k_dim - k_dim % 8;
  if (rows == 1) n0 = few_rows_avx2<1, 4>(x, w, scale, b, y, k_dim, n_dim, n0, n1);
  // Not for 2-4 rows: two columns at a time gained 1.3x on cache-resident
  // weights but lost 1.45x on a 32 MB float output projection (BENCHMARKS.md
  // section 9), which a verification pass reads.
  for (int64_t n = n0; n < n1; ++n) {
    const W* wn = w + n * k_dim;
    __m256 acc[kRowBlock];
    for (int64_t m = 0; m < rows; ++m) acc[m] = _mm256_setzero_ps();
    for (int64_t k = 0; k < k_vec; k += 8) {
      const __m256 wv = load8(wn + k);
      for (int64_t m = 0; m < rows; ++m)
        acc[m] = _mm256_fmadd_ps(_mm256_loadu_ps(x + m * k_dim + k), wv, acc[m]);
    }
    for (int64_t m = 0; m < rows; ++m)
      store(horizontal_sum(acc[m]), x, m, wn, scale, b, y, k_vec, k_dim, n_dim, n);
  }
}

template <typename W>
SWT_AVX512 void block_avx512(const float* x, int64_t rows, const W* w, const float* scale,
                             const float* b, float* y, int64_t k_dim, int64_t n_dim, int64_t n0,
                             int64_t n1) {
  const int64_t k_vec = k_dim - k_dim % 16;
  for (int64_t n = n0; n < n1; ++n) {
    const W* wn = w + n * k_dim;
    __m512 acc[kRowBlock];
    for (int64_t m = 0; m < rows; ++m) acc[m] = _mm512_setzero_ps();
    for (int64_t k = 0; k < k_vec; k += 16) {
      const __m512 wv = load16(wn + k);
      for (int64_t m = 0; m < rows; ++m)
        acc[m] = _mm512_fmadd_ps(_mm512_loadu_ps(x + m * k_dim + k), wv, acc[m]);
    }
    for (int64_t m = 0; m < rows; ++m)
      store(_mm512_reduce_add_ps(acc[m]), x, m, wn, scale, b, y, k_vec, k_dim, n_dim, n);
  }
}
#endif

// The widest kernel this CPU runs, within set_max_isa.
template <typename W>
auto pick_kernel() {
  return for_active_isa(&block_scalar<W>, SWT_ISA_FN(&block_scalar<W>, &block_avx2<W>),
                        SWT_ISA_FN(&block_scalar<W>, &block_avx512<W>));
}

// Weight rows per tile: every row block of x passes over a tile while it is
// in the L2 cache (64 rows of K = 2048 floats: 512 KB), so the weight comes
// from memory once however many row blocks x has.
constexpr int64_t kColumnTile = 64;

// Runs `block(m0, rows, n0, n1)` over row blocks, tile by tile; threads split
// the output columns, so each weight row is read by one thread and sums do
// not depend on the thread count.
template <typename Block>
void for_blocks(int64_t rows, int64_t n_dim, const Block& block) {
  kernels::parallel_for(0, n_dim, kColumnTile, [&](int64_t n0, int64_t n1) {
    for (int64_t t0 = n0; t0 < n1; t0 += kColumnTile) {
      const int64_t t1 = std::min(n1, t0 + kColumnTile);
      for (int64_t m0 = 0; m0 < rows; m0 += kRowBlock)
        block(m0, std::min(kRowBlock, rows - m0), t0, t1);
    }
  });
}

void check_float(const torch::Tensor& t) {
  if (t.defined() &&
      (t.scalar_type() != torch::kFloat || !t.is_contiguous() || !t.device().is_cpu()))
    fail("small_linear: tensors must be contiguous float32 on the CPU");
}

// x [M, K] against a weight of `weight_sizes` [N, K] and an optional bias [N].
void check_inputs(const torch::Tensor& x, c10::IntArrayRef weight_sizes,
                  const torch::Tensor& bias) {
  if (x.dim() != 2 || weight_sizes.size() != 2 || x.size(1) != weight_sizes[1])
    fail("small_linear: expected x [M, K] and weight [N, K], got " + c10::str(x.sizes()) + " and " +
         c10::str(weight_sizes));
  if (bias.defined() && (bias.dim() != 1 || bias.size(0) != weight_sizes[0]))
    fail("small_linear: bias must be [N]");
  check_float(x);
  check_float(bias);
}

}  // namespace

torch::Tensor small_linear(const torch::Tensor& x, const torch::Tensor& weight,
                           const torch::Tensor& bias) {
  check_inputs(x, weight.sizes(), bias);
  check_float(weight);
  const int64_t rows = x.size(0), k_dim = x.size(1), n_dim = weight.size(0);
  auto y = torch::empty({rows, n_dim}, x.options());
  const float* xp = x.data_ptr<float>();
  const float* wp = weight.data_ptr<float>();
  const float* bp = bias.defined() ? bias.data_ptr<float>() : nullptr;
  float* yp = y.data_ptr<float>();
  const auto kernel = pick_kernel<float>();
  for_blocks(rows, n_dim, [&](int64_t m0, int64_t m, int64_t n0, int64_t n1) {
    kernel(xp + m0 * k_dim, m, wp, nullptr, bp, yp + m0 * n_dim, k_dim, n_dim, n0, n1);
  });
  return y;
}

Int8Weight quantize_rows(const torch::Tensor& weight) {
  auto w = weight.to(torch::kFloat);
  auto scale = std::get<0>(w.abs().max(1)).div(127.0);
  scale = torch::where(scale.gt(0), scale, torch::ones_like(scale));  // all-zero rows
  auto q = (w / scale.unsqueeze(1)).round().clamp(-127, 127).to(torch::kChar);
  return {q.contiguous(), scale.contiguous()};
}

torch::Tensor dequantize(const Int8Weight& w) {
  return w.q.to(torch::kFloat) * w.scale.unsqueeze(1);
}

torch::Tensor small_linear_int8(const torch::Tensor& x, const Int8Weight& weight,
                                const torch::Tensor& bias) {
  if (weight.q.scalar_type() != torch::kChar || !weight.q.is_contiguous() ||
      weight.scale.numel() != weight.q.size(0))
    fail("small_linear_int8: expected an int8 [N, K] weight with N scales");
  check_inputs(x, weight.q.sizes(), bias);
  check_float(weight.scale);
  const int64_t rows = x.size(0), k_dim = x.size(1), n_dim = weight.q.size(0);
  auto y = torch::empty({rows, n_dim}, x.options());
  const float* xp = x.data_ptr<float>();
  const int8_t* wp = weight.q.data_ptr<int8_t>();
  const float* sp = weight.scale.data_ptr<float>();
  const float* bp = bias.defined() ? bias.data_ptr<float>() : nullptr;
  float* yp = y.data_ptr<float>();
  const auto kernel = pick_kernel<int8_t>();
  for_blocks(rows, n_dim, [&](int64_t m0, int64_t m, int64_t n0, int64_t n1) {
    kernel(xp + m0 * k_dim, m, wp, sp, bp, yp + m0 * n_dim, k_dim, n_dim, n0, n1);
  });
  return y;
}

torch::Tensor small_linear_reference(const torch::Tensor& x, const torch::Tensor& weight,
                                     const torch::Tensor& bias) {
  check_inputs(x, weight.sizes(), bias);
  auto xd = x.to(torch::kDouble), wd = weight.to(torch::kDouble);
  auto xa = xd.accessor<double, 2>();
  auto wa = wd.accessor<double, 2>();
  auto y = torch::zeros({x.size(0), weight.size(0)}, torch::kDouble);
  auto ya = y.accessor<double, 2>();
  for (int64_t m = 0; m < x.size(0); ++m)
    for (int64_t n = 0; n < weight.size(0); ++n) {
      double acc = bias.defined() ? bias[n].item<double>() : 0.0;
      for (int64_t k = 0; k < x.size(1); ++k) acc += xa[m][k] * wa[n][k];
      ya[m][n] = acc;
    }
  return y.to(torch::kFloat);
}

}  // namespace swt::kernels
