#include "admin/confirm.h"

#include <algorithm>
#include <cctype>
#include <string>

namespace mailtoken::admin {

bool is_affirmative(std::string_view answer) {
  const auto is_space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
  while (!answer.empty() && is_space(answer.front())) answer.remove_prefix(1);
  while (!answer.empty() && is_space(answer.back())) answer.remove_suffix(1);
  std::string lower(answer);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  });
  return lower == "y" || lower == "yes";
}

bool ask_yes_no(std::string_view prompt, std::istream& in, std::ostream& prompt_out) {
  prompt_out << prompt;
  prompt_out.flush();
  std::string line;
  if (!std::getline(in, line)) {
    prompt_out << "\n";
    return false;
  }
  return is_affirmative(line);
}

}  // namespace mailtoken::admin
