#pragma once
// jsonata-js's merge sort, which order-by (^) and $sort share: `swap(a, b)`
// true puts b before a. Stable. `swap` may carry state (a first error).

#include <cstddef>
#include <vector>

#include "src/jsonata/value.h"

namespace stepd::jsonata {

template <class Swap>
void merge_sort(std::vector<Value>& v, Swap& swap) {
  if (v.size() <= 1) return;
  std::size_t middle = v.size() / 2;
  std::vector<Value> left(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(middle));
  std::vector<Value> right(v.begin() + static_cast<std::ptrdiff_t>(middle), v.end());
  merge_sort(left, swap);
  merge_sort(right, swap);
  std::size_t l = 0, r = 0, o = 0;
  while (l < left.size() && r < right.size()) {
    if (swap(left[l], right[r])) {
      v[o++] = right[r++];
    } else {
      v[o++] = left[l++];
    }
  }
  while (l < left.size()) v[o++] = left[l++];
  while (r < right.size()) v[o++] = right[r++];
}

}  // namespace stepd::jsonata
