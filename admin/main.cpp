// The `mailtoken` admin tool: everything happens in mailtoken::admin::run (admin/cli.h).
#include <unistd.h>

#include <iostream>
#include <string>
#include <vector>

#include "admin/cli.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  const mailtoken::admin::Environment env = mailtoken::admin::Environment::from_process();
  return mailtoken::admin::run(args, env, std::cin, std::cout, std::cerr);
}
