// pepper generate: the one command that works before a pepper exists.
#include "admin/command_line.h"
#include "admin/commands.h"
#include "admin/context.h"
#include "mailtoken/pepper.h"

namespace mailtoken::admin {

CommandStatus run_pepper_generate(const Invocation& inv) {
  CommandLine cl(inv.command, "pepper generate [FILE]",
                 "Writes a new pepper (32 random bytes) to FILE, by default the config's "
                 "pepper_file,\nwith mode 0640. Refuses to overwrite an existing file: replacing "
                 "the pepper would make\nevery token fail. To rotate, generate a new file, list "
                 "the old one in\nretired_pepper_files and point pepper_file at the new one.\n"
                 "Then let the mail server's auth user read it, e.g. chgrp dovecot FILE.");
  cl.add_positional("file", "FILE", false);
  if (auto s = cl.parse(inv.args, *inv.out); !s.ok() || cl.help_shown()) return s;

  std::string path = cl.string("file");
  if (path.empty()) {
    Config config;
    if (auto s = load_config(inv.config_path, config); !s.ok()) return s;
    path = config.pepper_file;
  }
  if (auto s = create_pepper_file(path); !s) {
    if (s.error().code == ErrorCode::kAlreadyExists) {
      return failure(ExitCode::kRefused, "refusing to overwrite existing pepper file " + path);
    }
    return from_error(s.error());
  }
  auto pepper = Pepper::load_file(path);
  if (!pepper) return from_error(pepper.error());
  *inv.out << "Created pepper file " << path << " (mode 0640, key id " << pepper->key_id()
           << ").\n";
  return success();
}

}  // namespace mailtoken::admin
