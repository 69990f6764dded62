// EinsumEquation.cpp: parsing and resolving Einsum equations (see EinsumEquation.h).
#include "ir/shape_rules/EinsumEquation.h"

#include <algorithm>
#include <cctype>
#include <map>

#include "ir/shape_rules/ShapeRuleSupport.h"

namespace kiln {
namespace {

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts(1);
  for (char c : text) {
    if (c == separator)
      parts.emplace_back();
    else
      parts.back() += c;
  }
  return parts;
}

// Labels of one term for an operand of `rank` dims (rank < 0: the output, whose ellipsis takes
// `ellipsis_rank` dims).
Result<std::vector<int>> resolve_term(const std::string& term, int64_t rank, int64_t ellipsis_rank,
                                      const std::string& what) {
  std::vector<int> before, after;
  bool seen_ellipsis = false;
  for (size_t i = 0; i < term.size(); ++i) {
    if (term.compare(i, 3, "...") == 0) {
      if (seen_ellipsis) return make_error("Einsum " + what + " has two ellipses");
      seen_ellipsis = true;
      i += 2;
      continue;
    }
    const char c = term[i];
    if (!std::isalpha(static_cast<unsigned char>(c)))
      return make_error("Einsum " + what + " has '" + std::string(1, c) +
                        "', which is not a letter or '...'");
    (seen_ellipsis ? after : before).push_back(c);
  }
  const int64_t letters = static_cast<int64_t>(before.size() + after.size());
  int64_t spread = 0;  // dims the ellipsis stands for
  if (rank >= 0) {
    spread = rank - letters;
    if (spread < 0 || (!seen_ellipsis && spread != 0))
      return make_error("Einsum " + what + " '" + term + "' does not match an operand of rank " +
                        std::to_string(rank));
  } else if (seen_ellipsis) {
    spread = ellipsis_rank;
  }
  std::vector<int> labels = before;
  for (int64_t k = spread; k-- > 0;)
    labels.push_back(EinsumEquation::kEllipsisLabel + static_cast<int>(k));
  labels.insert(labels.end(), after.begin(), after.end());
  return labels;
}

}  // namespace

Result<EinsumEquation> parse_einsum_equation(const std::string& equation,
                                             const std::vector<int64_t>& ranks) {
  std::string text;
  for (char c : equation)
    if (!std::isspace(static_cast<unsigned char>(c))) text += c;
  const size_t arrow = text.find("->");
  const std::string lhs = text.substr(0, arrow);
  const std::vector<std::string> terms = split(lhs, ',');
  if (terms.size() != ranks.size())
    return make_error("Einsum equation '" + equation + "' has " + std::to_string(terms.size()) +
                      " input terms for " + std::to_string(ranks.size()) + " inputs");
  EinsumEquation result;
  std::map<int, int> counts;
  std::vector<int> first_seen;
  int64_t ellipsis_rank = 0;
  for (size_t i = 0; i < terms.size(); ++i) {
    KILN_SHAPE_ASSIGN(labels, resolve_term(terms[i], ranks[i], 0, "term " + std::to_string(i)));
    for (int label : labels) {
      if (label >= EinsumEquation::kEllipsisLabel)
        ellipsis_rank =
            std::max<int64_t>(ellipsis_rank, label - EinsumEquation::kEllipsisLabel + 1);
      if (counts[label]++ == 0) first_seen.push_back(label);
    }
    result.operand_labels.push_back(std::move(labels));
  }
  if (arrow != std::string::npos) {
    KILN_SHAPE_ASSIGN(labels, resolve_term(text.substr(arrow + 2), -1, ellipsis_rank, "output"));
    for (size_t i = 0; i < labels.size(); ++i) {
      if (!counts.count(labels[i]))
        return make_error("Einsum output label '" + std::string(1, char(labels[i])) +
                          "' is in no input term");
      if (std::count(labels.begin(), labels.end(), labels[i]) > 1)
        return make_error("Einsum output repeats label '" + std::string(1, char(labels[i])) + "'");
    }
    result.output_labels = std::move(labels);
  } else {
    for (int64_t k = ellipsis_rank; k-- > 0;)
      result.output_labels.push_back(EinsumEquation::kEllipsisLabel + static_cast<int>(k));
    std::vector<int> once;
    for (const auto& [label, count] : counts)
      if (label < EinsumEquation::kEllipsisLabel && count == 1) once.push_back(label);
    result.output_labels.insert(result.output_labels.end(), once.begin(), once.end());
  }
  for (int label : first_seen)
    if (std::find(result.output_labels.begin(), result.output_labels.end(), label) ==
        result.output_labels.end())
      result.summed_labels.push_back(label);
  return result;
}

}  // namespace kiln
