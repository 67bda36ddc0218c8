// The scenario being edited: the YAML text the CLI reads is the document. Form edits become
// `--set`-style updates of that text, validation is the scenario loader itself, and every change is
// an undoable snapshot.
#pragma once

#include <QObject>
#include <QString>
#include <QUndoStack>
#include <filesystem>
#include <optional>

#include "models/catalog.h"
#include "models/scenario.h"

namespace trainsite::gui {

struct Validation {
  std::optional<models::Scenario> scenario;  // set when the document is valid
  QString message;                           // the loader's message (no location prefix)
  QString full_message;                      // file:line:column: error: field '...': message
  QString field;                             // dotted field path, e.g. "parallelism.tp"
  int line = 0;                              // 1-based; 0 = unknown
  // When only the layout or memory check fails: the scenario without those checks, which is what the
  // planner needs (it finds a layout that is valid).
  std::optional<models::Scenario> planning;
  bool ok() const { return scenario.has_value(); }
};

class ScenarioDocument : public QObject {
  Q_OBJECT
 public:
  ScenarioDocument(const models::Catalog& catalog, std::filesystem::path data_dir, QObject* parent = nullptr);

  const QString& text() const { return text_; }
  const QString& path() const { return path_; }
  bool modified() const { return !undo_.isClean(); }
  QUndoStack* undo_stack() { return &undo_; }
  const models::Catalog& catalog() const { return catalog_; }

  // File I/O; throw std::runtime_error with the reason. Saving writes the text as is (atomically),
  // so load + save gives back the same bytes.
  void load_file(const QString& path);
  void save_file(const QString& path);
  void reset(const QString& text, const QString& path);

  // Undoable edits. `set_field` applies `path=value_yaml` like `--set`; consecutive edits of the
  // same field merge into one undo step. Throws scenarios::InputError if the text does not parse.
  void set_field(const QString& field_path, const QString& value_yaml);
  void set_text(const QString& text);

  // Runs the scenario loader on the current text.
  Validation validate() const;

 signals:
  void changed();       // text changed (edit, undo, redo, load)
  void path_changed();  // file name or modified state changed

 private:
  friend class SnapshotCommand;
  void apply(const QString& text);

  const models::Catalog& catalog_;
  std::filesystem::path data_dir_;
  QString text_;
  QString path_;
  QUndoStack undo_;
};

}  // namespace trainsite::gui
