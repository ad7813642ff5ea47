//! Form inputs with their labels, hints and errors.
//!
//! Every input gets `id="f-{name}"` and a `<label for>`; a field in error gets `aria-invalid` and
//! its message is tied to it with `aria-describedby`, so screen readers read both.

use maud::{html, Markup};

use super::forms::Errors;

/// The kinds of single inputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Text,
    Password,
    DateTime,
    Date,
    Search,
    Code,
    TextArea,
}

/// One labelled input.
#[derive(Clone, Debug)]
pub struct Field {
    name: String,
    label: String,
    kind: Kind,
    value: String,
    hint: Option<String>,
    error: Option<String>,
    required: bool,
    autocomplete: Option<&'static str>,
    maxlength: Option<usize>,
    autofocus: bool,
}

impl Field {
    pub fn new(kind: Kind, name: &str, label: &str) -> Field {
        Field {
            name: name.to_string(),
            label: label.to_string(),
            kind,
            value: String::new(),
            hint: None,
            error: None,
            required: false,
            autocomplete: None,
            maxlength: None,
            autofocus: false,
        }
    }

    pub fn value(mut self, value: impl Into<String>) -> Field {
        self.value = value.into();
        self
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Field {
        self.hint = Some(hint.into());
        self
    }

    /// Takes this field's message from `errors`, if it has one.
    pub fn errors(mut self, errors: &Errors) -> Field {
        self.error = errors.field(&self.name).map(str::to_string);
        self
    }

    pub fn required(mut self, required: bool) -> Field {
        self.required = required;
        self
    }

    pub fn autocomplete(mut self, value: &'static str) -> Field {
        self.autocomplete = Some(value);
        self
    }

    pub fn maxlength(mut self, length: usize) -> Field {
        self.maxlength = Some(length);
        self
    }

    pub fn autofocus(mut self, on: bool) -> Field {
        self.autofocus = on;
        self
    }

    pub fn render(&self) -> Markup {
        let id = format!("f-{}", self.name);
        let hint_id = format!("{id}-hint");
        let error_id = format!("{id}-error");
        let described: Vec<&str> = [
            self.hint.as_ref().map(|_| hint_id.as_str()),
            self.error.as_ref().map(|_| error_id.as_str()),
        ]
        .into_iter()
        .flatten()
        .collect();
        let described = (!described.is_empty()).then(|| described.join(" "));
        let invalid = self.error.is_some().then_some("true");
        let input_type = match self.kind {
            Kind::Text | Kind::Code | Kind::TextArea => "text",
            Kind::Password => "password",
            Kind::DateTime => "datetime-local",
            Kind::Date => "date",
            Kind::Search => "search",
        };
        html! {
            div.field.has-error[self.error.is_some()] {
                label for=(id) {
                    (self.label)
                    @if self.required { span.required aria-hidden="true" { " *" } }
                    @else if self.kind != Kind::Search { span.optional { " (optional)" } }
                }
                @if let Some(hint) = &self.hint {
                    p.hint id=(hint_id) { (hint) }
                }
                @if let Some(error) = &self.error {
                    p.field-error id=(error_id) { span.visually-hidden { "Error: " } (error) }
                }
                @if self.kind == Kind::TextArea {
                    textarea id=(id) name=(self.name) rows="3"
                        maxlength=[self.maxlength]
                        required[self.required]
                        aria-describedby=[described.as_deref()]
                        aria-invalid=[invalid]
                        autofocus[self.autofocus] { (self.value) }
                } @else if self.kind == Kind::Code {
                    input.code id=(id) name=(self.name) type="text" value=(self.value)
                        inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}"
                        maxlength="6"
                        required[self.required]
                        aria-describedby=[described.as_deref()]
                        aria-invalid=[invalid]
                        autofocus[self.autofocus];
                } @else {
                    input id=(id) name=(self.name) type=(input_type) value=(self.value)
                        autocomplete=[self.autocomplete]
                        maxlength=[self.maxlength]
                        required[self.required]
                        aria-describedby=[described.as_deref()]
                        aria-invalid=[invalid]
                        autofocus[self.autofocus];
                }
            }
        }
    }
}

/// A labelled `select`.
pub fn select(
    name: &str,
    label: &str,
    options: &[(String, String)],
    selected: &str,
    errors: &Errors,
    hint: Option<&str>,
) -> Markup {
    let id = format!("f-{name}");
    let error = errors.field(name);
    html! {
        div.field.has-error[error.is_some()] {
            label for=(id) { (label) }
            @if let Some(hint) = hint { p.hint id=(format!("{id}-hint")) { (hint) } }
            @if let Some(error) = error {
                p.field-error id=(format!("{id}-error")) { span.visually-hidden { "Error: " } (error) }
            }
            select id=(id) name=(name)
                aria-invalid=[error.map(|_| "true")]
                aria-describedby=[error.map(|_| format!("{id}-error")).or(hint.map(|_| format!("{id}-hint")))] {
                @for (value, text) in options {
                    option value=(value) selected[value == selected] { (text) }
                }
            }
        }
    }
}

/// A labelled checkbox.
pub fn checkbox(name: &str, label: &str, checked: bool, hint: Option<&str>) -> Markup {
    checkbox_with_value(name, "on", &format!("f-{name}"), label, checked, hint)
}

/// A labelled checkbox with its own value and id (for repeated names such as approvers).
pub fn checkbox_with_value(
    name: &str,
    value: &str,
    id: &str,
    label: &str,
    checked: bool,
    hint: Option<&str>,
) -> Markup {
    html! {
        div.check {
            input type="checkbox" id=(id) name=(name) value=(value) checked[checked]
                aria-describedby=[hint.map(|_| format!("{id}-hint"))];
            label for=(id) { (label) }
            @if let Some(hint) = hint { p.hint id=(format!("{id}-hint")) { (hint) } }
        }
    }
}

/// A group of labelled radio buttons: `(value, label, hint)`.
pub fn radios(
    name: &str,
    legend: &str,
    options: &[(&str, &str, Option<&str>)],
    selected: &str,
    errors: &Errors,
) -> Markup {
    let error = errors.field(name);
    html! {
        fieldset.field.radios.has-error[error.is_some()] id=(format!("f-{name}")) {
            legend { (legend) }
            @if let Some(error) = error {
                p.field-error { span.visually-hidden { "Error: " } (error) }
            }
            @for (value, label, hint) in options {
                @let id = format!("f-{name}-{value}");
                div.check {
                    input type="radio" id=(id) name=(name) value=(value) checked[*value == selected];
                    label for=(id) { (label) }
                    @if let Some(hint) = hint { p.hint { (hint) } }
                }
            }
        }
    }
}
