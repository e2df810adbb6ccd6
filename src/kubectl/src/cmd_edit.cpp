// kubectl edit: the object in $KUBE_EDITOR / $EDITOR, saved back as a patch; the file is
// re-opened with the error when saving fails.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "commands.h"
#include "object/patch.h"
#include "object/yaml.h"
#include "output.h"

namespace k3s::kubectl {
namespace {

constexpr const char* kHeader =
    "# Please edit the object below. Lines beginning with a '#' will be ignored,\n"
    "# and an empty file will abort the edit. If an error occurs while saving this file will be\n"
    "# reopened with the relevant failures.\n"
    "#\n";

void add_edit_flags(Flags& flags) {
  add_file_flags(flags);
  flags.add("output", 'o', true, "yaml");
  flags.add("windows-line-endings", 0, false);
  flags.add("save-config", 0, false);
  flags.add("validate", 0, true, "strict");
  flags.add("field-manager", 0, true);
  flags.add("subresource", 0, true);
  flags.add("show-managed-fields", 0, false);
}

std::string editor_command() {
  for (const char* var : {"KUBE_EDITOR", "EDITOR"}) {
    if (const char* v = std::getenv(var); v && *v) return v;
  }
  return "vi";
}

// Runs the editor on `path` with the terminal; returns its exit status.
int run_editor(const std::string& path) {
  std::string command = editor_command() + " '" + path + "'";
  pid_t pid = fork();
  if (pid == 0) {
    execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

std::string strip_comments(const std::string& text) {
  std::istringstream in(text);
  std::string line, out;
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] == '#') continue;
    out += line + "\n";
  }
  return out;
}

std::string read_all(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

Json without_server_fields(Json object) {
  if (object.contains("metadata")) object["metadata"].erase("managedFields");
  return object;
}

int run_edit(Session& session) {
  const Flags& f = session.flags();
  auto targets = resolve_targets(session, f.positional());
  if (targets.empty() || targets[0].names.empty()) {
    throw CommandError("You must provide one or more resources by argument or filename.\nExample resource "
                       "specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n   '<resource> "
                       "<name>'\n   '<resource>'");
  }
  int rc = 0;
  for (const auto& t : targets) {
    for (const auto& name : t.names) {
      std::string ns = t.info.namespaced ? session.namespace_() : "";
      Json original = without_server_fields(session.api().get(t.info.gvr, ns, name));
      std::string dir = std::filesystem::temp_directory_path() / ("kubectl-edit-" + std::to_string(getpid()));
      std::filesystem::create_directories(dir);
      std::string path = dir + "/" + name + ".yaml";
      std::string body = object::to_yaml(original);
      std::string error_note;
      bool saved = false;
      std::string last_text;
      for (int attempt = 0; attempt < 10 && !saved; ++attempt) {
        {
          std::ofstream out(path, std::ios::trunc);
          out << kHeader << error_note << body;
        }
        if (run_editor(path) != 0) {
          std::filesystem::remove_all(dir);
          throw CommandError("there was a problem with the editor \"" + editor_command() + "\"");
        }
        std::string edited_text = strip_comments(read_all(path));
        if (edited_text.find_first_not_of(" \n\t") == std::string::npos) {
          std::cout << "Edit cancelled, no changes made.\n";
          saved = true;
          break;
        }
        if (edited_text == strip_comments(body) && error_note.empty()) {
          std::cout << "Edit cancelled, no changes made.\n";
          saved = true;
          break;
        }
        if (!error_note.empty() && edited_text == last_text) {
          std::filesystem::remove_all(dir);
          std::cerr << "error: Edit cancelled, no valid changes were saved.\n";
          return 1;
        }
        last_text = edited_text;
        try {
          Json edited = object::parse_yaml(edited_text);
          auto schema = object::patch::builtin_patch_schema(t.info.gvr.group, t.info.kind);
          Json patch;
          client::PatchType type = client::PatchType::strategic;
          if (schema) {
            patch = object::patch::create_two_way_strategic_merge_patch(original, edited, *schema);
          } else {
            patch = object::patch::create_merge_patch(original, edited);
            type = client::PatchType::merge;
          }
          if (patch.is_object() && patch.empty()) {
            std::cout << "Edit cancelled, no changes made.\n";
            saved = true;
            break;
          }
          Json result = session.api().patch(t.info.gvr, ns, name, type, patch);
          std::cout << display_name(t.info, name) << " edited\n";
          saved = true;
        } catch (const client::ApiError& e) {
          error_note = "# " + display_name(t.info, name) + " was not valid:\n# * " + e.message() + "\n#\n";
          body = edited_text;
        } catch (const std::exception& e) {
          error_note = std::string("# The edited file had a syntax error: ") + e.what() + "\n#\n";
          body = edited_text;
        }
      }
      std::filesystem::remove_all(dir);
      if (!saved) rc = 1;
    }
  }
  return rc;
}

}  // namespace

std::vector<CommandDef> edit_commands() { return {{"edit", add_edit_flags, run_edit}}; }

}  // namespace k3s::kubectl
