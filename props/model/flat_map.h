// FlatMap: the part of std::map's interface the model uses, over one sorted
// vector of pairs.
//
// Why: rapidcheck copies the model for every command it generates (to ask
// each command's constructor whether it applies), so the model's copy is
// the property's hottest path. A std::map copies node by node, an
// allocation each; this copies in one. Iteration is in key order, as
// std::map's, so nothing the model decides depends on the change. The maps
// hold a handful of entries (a case's sockets and fds), where a vector's
// insert and erase are as cheap as a tree's.
#pragma once

#include <algorithm>
#include <stdexcept>
#include <utility>
#include <vector>

namespace simsock::props::model {

template <typename K, typename V>
class FlatMap {
 public:
  using value_type = std::pair<K, V>;
  using iterator = typename std::vector<value_type>::iterator;
  using const_iterator = typename std::vector<value_type>::const_iterator;

  iterator begin() { return items_.begin(); }
  iterator end() { return items_.end(); }
  const_iterator begin() const { return items_.begin(); }
  const_iterator end() const { return items_.end(); }
  bool empty() const { return items_.empty(); }
  size_t size() const { return items_.size(); }

  iterator find(const K& k) {
    auto it = LowerBound(k);
    return it != items_.end() && it->first == k ? it : items_.end();
  }
  const_iterator find(const K& k) const {
    auto it = LowerBound(k);
    return it != items_.end() && it->first == k ? it : items_.end();
  }
  size_t count(const K& k) const { return find(k) == end() ? 0 : 1; }

  V& at(const K& k) {
    auto it = find(k);
    if (it == end()) throw std::out_of_range("FlatMap::at");
    return it->second;
  }
  const V& at(const K& k) const {
    auto it = find(k);
    if (it == end()) throw std::out_of_range("FlatMap::at");
    return it->second;
  }

  // Inserts a value-initialised V when k is absent, as std::map does.
  V& operator[](const K& k) {
    auto it = LowerBound(k);
    if (it == items_.end() || it->first != k) it = items_.insert(it, {k, V{}});
    return it->second;
  }

  size_t erase(const K& k) {
    auto it = find(k);
    if (it == end()) return 0;
    items_.erase(it);
    return 1;
  }

  friend bool operator==(const FlatMap& a, const FlatMap& b) {
    return a.items_ == b.items_;
  }

 private:
  iterator LowerBound(const K& k) {
    return std::lower_bound(
        items_.begin(), items_.end(), k,
        [](const value_type& e, const K& key) { return e.first < key; });
  }
  const_iterator LowerBound(const K& k) const {
    return std::lower_bound(
        items_.begin(), items_.end(), k,
        [](const value_type& e, const K& key) { return e.first < key; });
  }

  std::vector<value_type> items_;
};

}  // namespace simsock::props::model
