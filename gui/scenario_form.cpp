#include "gui/scenario_form.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QRegularExpression>
#include <QScrollArea>
#include <QSpinBox>
#include <QVBoxLayout>

#include "gui/yaml_edit.h"
#include "scenarios/errors.h"
#include "scenarios/software_stack.h"

namespace trainsite::gui {

namespace {

QLabel* make_error_label(QWidget* parent) {
  auto* l = new QLabel(parent);
  l->setWordWrap(true);
  l->setTextInteractionFlags(Qt::TextSelectableByMouse);
  l->setStyleSheet(QStringLiteral("color: #b3261e;"));
  l->setVisible(false);
  l->setObjectName(QStringLiteral("fieldError"));
  return l;
}

QString scalar(const YAML::Node& n) {
  return n.IsDefined() && n.IsScalar() ? QString::fromStdString(n.Scalar()) : QString();
}

bool is_auto(const YAML::Node& n) {
  return !n.IsDefined() || n.IsNull() || (n.IsScalar() && (n.Scalar() == "auto" || n.Scalar().empty()));
}

}  // namespace

ScenarioForm::ScenarioForm(ScenarioDocument* doc, QWidget* parent) : QWidget(parent), doc_(doc) {
  auto* content = new QWidget;
  auto* grid = new QGridLayout(content);
  const auto& sections = scenario_sections();
  // Two columns: the job (workload, parallelism, reliability, economics) and the machine room.
  const std::map<std::string, std::pair<int, int>> place = {
      {"workload", {0, 0}}, {"parallelism", {1, 0}},    {"reliability", {2, 0}},     {"economics", {3, 0}},
      {"cluster", {0, 1}},  {"cluster.fabric", {1, 1}}, {"cluster.storage", {2, 1}}, {"sites", {3, 1}}};
  for (const auto& sec : sections) {
    auto* box = new QGroupBox(QString::fromStdString(sec.title));
    auto* form = new QFormLayout(box);
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    auto* sec_err = make_error_label(box);
    form->addRow(sec_err);
    section_errors_[sec.key] = sec_err;
    if (sec.key == "sites") {
      sites_ = new QListWidget;
      sites_->setToolTip(
          QStringLiteral("Candidate sites from data/sites/ (checked = compared). Entries with overrides "
                         "({id: ulanqab, tariff: {...}}) keep them; edit those in the YAML tab."));
      sites_->setSizeAdjustPolicy(QAbstractScrollArea::AdjustToContents);
      connect(sites_, &QListWidget::itemChanged, this, [this] { sites_toggled(); });
      form->addRow(sites_);
    }
    for (const auto& f : sec.fields) {
      Row row;
      row.spec = &f;
      row.editor = make_editor(f);
      row.editor->setToolTip(QString::fromStdString(f.tooltip + "\nYAML: " + f.path));
      row.error = make_error_label(box);
      auto* field = new QWidget;
      auto* v = new QVBoxLayout(field);
      v->setContentsMargins(0, 0, 0, 0);
      auto* h = new QHBoxLayout;
      h->addWidget(row.editor, 1);
      if (!f.unit.empty()) {
        auto* unit = new QLabel(QString::fromStdString(f.unit));
        unit->setToolTip(row.editor->toolTip());
        h->addWidget(unit);
      }
      v->addLayout(h);
      v->addWidget(row.error);
      auto* label = new QLabel(QString::fromStdString(f.label));
      label->setToolTip(row.editor->toolTip());
      label->setBuddy(row.editor);
      form->addRow(label, field);
      rows_[f.path] = row;
    }
    const auto at = place.count(sec.key) ? place.at(sec.key) : std::pair<int, int>{int(grid->rowCount()), 0};
    grid->addWidget(box, at.first, at.second);
  }
  grid->setRowStretch(grid->rowCount(), 1);
  auto* scroll = new QScrollArea;
  scroll->setWidget(content);
  scroll->setWidgetResizable(true);
  scroll->setFrameShape(QFrame::NoFrame);
  auto* outer = new QVBoxLayout(this);
  outer->setContentsMargins(0, 0, 0, 0);
  outer->addWidget(scroll);
  connect(doc_, &ScenarioDocument::changed, this, &ScenarioForm::refresh);
  refresh();
}

QWidget* ScenarioForm::make_editor(const FieldSpec& f) {
  const QString path = QString::fromStdString(f.path);
  switch (f.kind) {
    case FieldKind::integer:
    case FieldKind::integer_auto: {
      auto* s = new QSpinBox;
      s->setRange(f.kind == FieldKind::integer_auto ? 0 : f.min, f.max);
      if (f.kind == FieldKind::integer_auto) s->setSpecialValueText(QStringLiteral("auto"));
      s->setAccelerated(true);
      connect(s, &QSpinBox::valueChanged, this, [this, &f](int v) {
        write(f, f.kind == FieldKind::integer_auto && v == 0 ? QString::fromStdString(f.auto_value)
                                                             : QString::number(v));
      });
      return s;
    }
    case FieldKind::number:
    case FieldKind::number_auto:
    case FieldKind::text: {
      auto* e = new QLineEdit;
      if (f.kind == FieldKind::number_auto)
        e->setPlaceholderText(f.auto_value == "null" ? QStringLiteral("catalog") : QStringLiteral("auto"));
      else if (!f.fallback.empty())
        e->setPlaceholderText(QString::fromStdString(f.fallback) + QStringLiteral(" (default)"));
      connect(e, &QLineEdit::textEdited, this, [this, &f](const QString& t) {
        const QString v = t.trimmed();
        if (v.isEmpty())
          write(f, f.kind == FieldKind::number_auto ? QString::fromStdString(f.auto_value) : "null");
        else if (f.kind == FieldKind::text)
          write(f, QString::fromStdString(flow_yaml(YAML::Node(v.toStdString()))));
        else
          write(f, v);
      });
      return e;
    }
    case FieldKind::boolean: {
      auto* c = new QCheckBox;
      connect(c, &QCheckBox::toggled, this, [this, &f](bool on) { write(f, on ? "true" : "false"); });
      return c;
    }
    case FieldKind::choice:
    case FieldKind::gpu:
    case FieldKind::model:
    case FieldKind::stack: {
      auto* c = new QComboBox;
      c->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
      c->setMinimumContentsLength(10);
      if (f.kind == FieldKind::choice)
        for (const auto& ch : f.choices) c->addItem(QString::fromStdString(ch), QString::fromStdString(ch));
      if (f.kind == FieldKind::gpu)
        for (const auto& g : doc_->catalog().gpus)
          c->addItem(QStringLiteral("%1  (%2 GB, %3 TFLOP/s BF16)")
                         .arg(QString::fromStdString(g.id))
                         .arg(g.hbm_GB, 0, 'f', 0)
                         .arg(g.peak_tflops.count("bf16") ? g.peak_tflops.at("bf16") : 0.0, 0, 'f', 0),
                     QString::fromStdString(g.id));
      if (f.kind == FieldKind::model)
        for (const auto& m : doc_->catalog().models)
          c->addItem(QString::fromStdString(m.id), QString::fromStdString(m.id));
      if (f.kind == FieldKind::stack)
        for (const auto& s : doc_->catalog().stacks)
          c->addItem(QStringLiteral("%1%2").arg(
                         QString::fromStdString(s.id),
                         s.id == doc_->catalog().default_stack ? QStringLiteral(" (default)") : QString()),
                     QString::fromStdString(s.id));
      connect(c, &QComboBox::activated, this, [this, &f, c](int i) {
        const QString v = c->itemData(i).toString();
        if (!v.isEmpty()) write(f, v);
      });
      return c;
    }
  }
  return new QWidget;
}

void ScenarioForm::write(const FieldSpec& f, const QString& value_yaml) {
  if (updating_) return;
  // The editor being typed into is the source of this change: the refresh that follows skips it,
  // so a half-typed value ("-" on the way to "-5") is not replaced by its YAML reading.
  writing_ = f.path;
  try {
    doc_->set_field(QString::fromStdString(f.path), value_yaml);
  } catch (const scenarios::InputError& e) {
    // The YAML tab holds text that does not parse: the form cannot edit it until it is fixed.
    Validation v;
    v.message = QString::fromStdString(e.message());
    v.field = QString::fromStdString(f.path);
    show_validation(v);
  }
  writing_.clear();
}

void ScenarioForm::set_from_document(Row& row, const YAML::Node& root) {
  const FieldSpec& f = *row.spec;
  const YAML::Node n = node_at(root, f.path);
  const QString fallback = QString::fromStdString(f.fallback);
  switch (f.kind) {
    case FieldKind::integer:
    case FieldKind::integer_auto: {
      auto* s = static_cast<QSpinBox*>(row.editor);
      bool ok = true;
      int v = 0;  // "auto" on an integer_auto spin box
      const bool auto_value =
          f.kind == FieldKind::integer_auto && is_auto(n) && (n.IsDefined() || fallback == "auto");
      if (!auto_value) v = (n.IsDefined() && !n.IsNull() ? scalar(n) : fallback).toInt(&ok);
      if (ok && s->value() != v) s->setValue(v);
      break;
    }
    case FieldKind::number:
    case FieldKind::number_auto:
    case FieldKind::text: {
      auto* e = static_cast<QLineEdit*>(row.editor);
      QString t = scalar(n);
      if (f.kind == FieldKind::number_auto && is_auto(n)) t.clear();
      if (e->text().trimmed() != t) e->setText(t);
      break;
    }
    case FieldKind::boolean: {
      auto* c = static_cast<QCheckBox*>(row.editor);
      const QString t = n.IsDefined() && !n.IsNull() ? scalar(n) : fallback;
      c->setChecked(t == "true" || t == "yes" || t == "on");
      break;
    }
    case FieldKind::choice:
    case FieldKind::gpu:
    case FieldKind::model:
    case FieldKind::stack: {
      auto* c = static_cast<QComboBox*>(row.editor);
      if (f.kind == FieldKind::model && n.IsMap()) {
        const QString preset = n["preset"] ? scalar(n["preset"]) : QStringLiteral("custom");
        const QString label = QStringLiteral("custom shape (from %1; see YAML tab)").arg(preset);
        int i = c->findData(QString());
        if (i < 0) c->addItem(label, QString()), i = c->count() - 1;
        c->setItemText(i, label);
        c->setCurrentIndex(i);
        break;
      }
      const QString absent =
          f.kind == FieldKind::stack ? QString::fromStdString(doc_->catalog().default_stack) : fallback;
      const QString v = n.IsDefined() && !n.IsNull() ? scalar(n) : absent;
      c->setCurrentIndex(c->findData(v));
      break;
    }
  }
}

void ScenarioForm::refresh() {
  YAML::Node root;
  try {
    root = parse_yaml_text(doc_->text().toStdString(), "<editor>");
  } catch (const scenarios::InputError&) {
    setEnabled(false);  // the YAML tab shows the syntax error; nothing to show in the form
    return;
  }
  setEnabled(true);
  // Keys the scenario leaves out show what its software stack sets (the loader applies it the same
  // way); the document itself is not changed. FlashAttention shows whether the stack's kernel is fused.
  YAML::Node shown = YAML::Clone(root);
  try {
    scenarios::apply_software_stack(shown, "<editor>", doc_->catalog());
    if (YAML::Node w = shown["workload"]; w.IsMap() && w["attention_kernel"] && !w["flash_attention"])
      w["flash_attention"] = w["attention_kernel"].as<std::string>() != "unfused";
  } catch (const std::exception&) {
    shown.reset(root);  // an unknown stack: the loader's error says so; show the document as written
  }
  updating_ = true;
  for (auto& [path, row] : rows_) {
    if (path == writing_) continue;
    const QSignalBlocker block(row.editor);
    try {
      set_from_document(row, shown);
    } catch (const YAML::Exception&) {
      // a value of the wrong shape: the loader's error says so
    }
  }
  // Sites: the document's ids first (checked, in order), then the rest of the catalog.
  const QSignalBlocker block(sites_);
  sites_->clear();
  std::vector<std::string> chosen;
  const YAML::Node list = root["sites"];
  if (list.IsSequence())
    for (const auto& s : list) {
      if (s.IsScalar())
        chosen.push_back(s.Scalar());
      else if (s.IsMap() && s["id"])
        chosen.push_back(s["id"].Scalar() + " (with overrides)");
    }
  auto add = [&](const std::string& id, bool on) {
    const std::string bare = id.substr(0, id.find(' '));
    const models::Site* site = doc_->catalog().find_site(bare);
    auto* item = new QListWidgetItem(
        QString::fromStdString(id) +
        (site ? QStringLiteral(" — %1 (%2)")
                    .arg(QString::fromStdString(site->name), QString::fromStdString(site->country))
              : QString()));
    item->setData(Qt::UserRole, QString::fromStdString(bare));
    item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsUserCheckable | Qt::ItemIsSelectable);
    item->setCheckState(on ? Qt::Checked : Qt::Unchecked);
    if (site)
      item->setToolTip(QStringLiteral("PUE %1 (annual average), %2 kg CO2/kWh, tariff %3 %4/kWh")
                           .arg(site->pue_avg)
                           .arg(site->carbon_kg_per_kwh)
                           .arg(site->tariff_flat_per_kwh)
                           .arg(QString::fromStdString(site->currency)));
    sites_->addItem(item);
  };
  for (const auto& id : chosen) add(id, true);
  for (const auto& s : doc_->catalog().sites) {
    bool listed = false;
    for (const auto& id : chosen) listed = listed || id.substr(0, id.find(' ')) == s.id;
    if (!listed) add(s.id, false);
  }
  updating_ = false;
}

void ScenarioForm::sites_toggled() {
  if (updating_) return;
  YAML::Node root;
  try {
    root = parse_yaml_text(doc_->text().toStdString(), "<editor>");
  } catch (const scenarios::InputError&) {
    return;
  }
  // Keep existing entries (with their overrides) for checked ids; append newly checked ids.
  YAML::Node out(YAML::NodeType::Sequence);
  const YAML::Node old = root["sites"];
  for (int i = 0; i < sites_->count(); ++i) {
    const auto* item = sites_->item(i);
    if (item->checkState() != Qt::Checked) continue;
    const std::string id = item->data(Qt::UserRole).toString().toStdString();
    YAML::Node entry(id);
    if (old.IsSequence())
      for (const auto& s : old)
        if (s.IsMap() && s["id"] && s["id"].Scalar() == id) entry.reset(YAML::Node(s));
    out.push_back(entry);
  }
  static const FieldSpec sites_spec{"sites", "Sites", FieldKind::text, "", "", ""};
  write(sites_spec, QString::fromStdString(flow_yaml(out)));
}

QWidget* ScenarioForm::editor(const QString& field_path) const {
  const auto it = rows_.find(field_path.toStdString());
  return it == rows_.end() ? nullptr : it->second.editor;
}

QLabel* ScenarioForm::error_label(const QString& field) const {
  // "sites[1]" -> "sites"; "workload.model.layers" -> "workload.model"; else the section.
  std::string p = QString(field).remove(QRegularExpression(QStringLiteral("\\[\\d+\\]"))).toStdString();
  while (!p.empty()) {
    if (const auto r = rows_.find(p); r != rows_.end()) return r->second.error;
    if (const auto s = section_errors_.find(p); s != section_errors_.end()) return s->second;
    const auto dot = p.rfind('.');
    p = dot == std::string::npos ? "" : p.substr(0, dot);
  }
  return nullptr;
}

void ScenarioForm::show_validation(const Validation& v) {
  for (auto& [path, row] : rows_) row.error->setVisible(false);
  for (auto& [key, label] : section_errors_) label->setVisible(false);
  if (v.ok()) return;
  if (QLabel* l = error_label(v.field)) {
    l->setText(QStringLiteral("⚠ ") + v.message);
    l->setToolTip(v.full_message);
    l->setVisible(true);
  }
}

}  // namespace trainsite::gui
