// BranchTree: many chains as one tree of branches (branch_tree.h).
#include "branch_tree.h"

#include <algorithm>

#include "forensics/log_events.h"

namespace forensics {

int BranchTree::NewBranch(std::optional<int> parent, BlockHeight from) {
  Branch b;
  b.parent = parent;
  b.from = from;
  branches_.push_back(std::move(b));
  const int id = static_cast<int>(branches_.size() - 1);
  if (parent) branches_[static_cast<size_t>(*parent)].children.push_back(id);
  return id;
}

void BranchTree::Join(Entry* e, const Block& b, bool judged, std::optional<Conflict>* conflict) {
  if (!judged) return;
  if (e->judged && e->check != b.check && e->check != BlockCheck::kUnverifiable && b.check != BlockCheck::kUnverifiable)
    *conflict = Conflict{b.height, b.hash, e->check, b.check};
  // A failed check outweighs a pass (some node's replay saw it fail); a pass outweighs "not checked".
  if (!e->judged || b.check == BlockCheck::kViolation ||
      (b.check == BlockCheck::kVerified && e->check == BlockCheck::kUnverifiable))
    e->check = b.check;
  e->judged = true;
  e->state_verified = e->state_verified || b.state_verified;
}

std::optional<BranchTree::Conflict> BranchTree::Add(Position* pos, const Block& b, std::span<const FindingCode> codes_given,
                                                    bool judged) {
  std::optional<Conflict> conflict;
  auto take = [&](int id) {
    Branch& br = branches_[static_cast<size_t>(id)];
    const size_t i = b.height - br.from;
    if (i >= br.entries.size()) br.entries.resize(i + 1);
    Entry& e = br.entries[i];
    if (!e.present) {
      e.present = true;
      e.hash = b.hash;
      ++distinct_;
    }
    Join(&e, b, judged, &conflict);
    if (b.check == BlockCheck::kViolation && judged) {
      auto& codes = codes_[{id, b.height}];
      for (FindingCode c : codes_given)
        if (std::find(codes.begin(), codes.end(), c) == codes.end()) codes.push_back(c);
    }
    *pos = {id, b.height};
  };
  if (!pos->placed()) {
    // The first block: wherever a branch holds it; else a chain of its own.
    for (size_t id = 0; id < branches_.size(); ++id) {
      const Branch& br = branches_[id];
      if (b.height < br.from || b.height > br.last()) continue;
      const Entry& e = br.entries[b.height - br.from];
      if (e.present && e.hash == b.hash) {
        take(static_cast<int>(id));
        return conflict;
      }
    }
    take(NewBranch(std::nullopt, b.height));
    return conflict;
  }
  const int cur = pos->branch;
  const Branch& br = branches_[static_cast<size_t>(cur)];
  if (b.height <= br.last()) {
    const Entry& e = br.entries[b.height - br.from];
    if (!e.present || e.hash == b.hash) {
      take(cur);
      return conflict;
    }
    for (int child : br.children) {
      const Branch& c = branches_[static_cast<size_t>(child)];
      if (c.from == b.height && c.entries.front().hash == b.hash) {
        take(child);
        return conflict;
      }
    }
    take(NewBranch(cur, b.height));
    return conflict;
  }
  take(cur);  // beyond the branch's last block: this chain extends it
  return conflict;
}

int BranchTree::Root(int id) const {
  while (branches_[static_cast<size_t>(id)].parent) id = *branches_[static_cast<size_t>(id)].parent;
  return id;
}

const BranchTree::Entry* BranchTree::OnPath(Position pos, BlockHeight height, int* branch_out) const {
  if (!pos.placed() || height > pos.height) return nullptr;
  int id = pos.branch;
  while (true) {
    const Branch& br = branches_[static_cast<size_t>(id)];
    if (height >= br.from) {
      const Entry& e = br.entries[height - br.from];
      if (branch_out) *branch_out = id;
      return e.present ? &e : nullptr;
    }
    if (!br.parent) return nullptr;
    id = *br.parent;
  }
}

std::optional<BranchTree::Position> BranchTree::Common(Position a, Position b) const {
  if (!a.placed() || !b.placed()) return std::nullopt;
  // The highest height each chain reaches on each branch it passes through.
  std::map<int, BlockHeight> reach;
  auto path = [&](Position p) {
    std::vector<std::pair<int, BlockHeight>> v;  // (branch, highest height used), tip first
    int id = p.branch;
    BlockHeight cut = p.height;
    while (true) {
      v.push_back({id, cut});
      const Branch& br = branches_[static_cast<size_t>(id)];
      if (!br.parent || br.from == 0) break;
      cut = br.from - 1;
      id = *br.parent;
    }
    return v;
  };
  for (auto [id, cut] : path(a)) reach[id] = cut;
  for (auto [id, cut] : path(b)) {
    auto it = reach.find(id);
    if (it == reach.end()) continue;
    const Branch& br = branches_[static_cast<size_t>(id)];
    const BlockHeight h = std::min(cut, it->second);
    if (h < br.from) return std::nullopt;
    return Position{id, h};
  }
  return std::nullopt;
}

const std::vector<FindingCode>& BranchTree::Codes(int branch, BlockHeight height) const {
  static const std::vector<FindingCode> kNone;
  auto it = codes_.find({branch, height});
  return it == codes_.end() ? kNone : it->second;
}

std::vector<BranchTree::Position> BranchTree::FindByPrefix(BlockHeight height, std::string_view prefix) const {
  std::vector<Position> out;
  for (size_t id = 0; id < branches_.size(); ++id) {
    const Branch& br = branches_[id];
    if (height < br.from || height > br.last()) continue;
    const Entry& e = br.entries[height - br.from];
    if (e.present && HexPrefixMatches(e.hash.Hex(), prefix)) out.push_back({static_cast<int>(id), height});
  }
  return out;
}

std::optional<BlockHeight> BranchTree::FirstOwn(int branch, bool violation, BlockHeight upto) const {
  const Branch& br = branches_[static_cast<size_t>(branch)];
  for (size_t i = 0; i < br.entries.size() && br.from + i <= upto; ++i) {
    const Entry& e = br.entries[i];
    if (!e.present) continue;
    if (violation ? e.check == BlockCheck::kViolation : e.check != BlockCheck::kVerified) return br.from + i;
  }
  return std::nullopt;
}

std::optional<BlockHeight> BranchTree::FirstOnPath(Position pos, bool violation) const {
  if (!pos.placed()) return std::nullopt;
  std::optional<BlockHeight> first;
  int id = pos.branch;
  BlockHeight cut = pos.height;
  while (true) {
    if (auto h = FirstOwn(id, violation, cut)) first = h;  // lower branches come later and win
    const Branch& br = branches_[static_cast<size_t>(id)];
    if (!br.parent || br.from == 0) break;
    cut = br.from - 1;
    id = *br.parent;
  }
  return first;
}

std::optional<BlockHeight> BranchTree::FirstViolation(Position pos) const { return FirstOnPath(pos, true); }
std::optional<BlockHeight> BranchTree::FirstUnverified(Position pos) const { return FirstOnPath(pos, false); }

}  // namespace forensics
