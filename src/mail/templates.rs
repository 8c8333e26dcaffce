//! Mail templates: the subject, text and HTML of each mail in each language, rendered by
//! minijinja from the files shipped inside the binary (`templates/mail/<lang>/<name>.subject`,
//! `.txt`, `.html`), any of which a shop can replace with a file of the same name under
//! `MAIL_TEMPLATES_DIR`.

use std::path::{Path, PathBuf};

use anyhow::Context;
use lettre::message::Mailbox;
use minijinja::{Environment, ErrorKind, UndefinedBehavior, context, value::Serde};
use serde::Serialize;

use super::OutgoingMail;

/// The templates shipped with the binary.
#[derive(rust_embed::Embed)]
#[folder = "templates/mail/"]
struct Shipped;

/// The language whose templates every mail has, used when a language has none of its own (a shop
/// may list languages in `LANGUAGES` that it writes no templates for).
const FALLBACK_LANGUAGE: &str = "en";

/// Renders mails. Cheap to share; templates are compiled once, on first use.
pub struct MailTemplates {
    env: Environment<'static>,
    shop_url: String,
}

impl MailTemplates {
    /// The shipped templates, each replaced by its namesake under `overrides` when that exists;
    /// `shop_url` goes into every mail as `shop_url`. Every template is compiled here, so a
    /// broken override stops start-up instead of a mail.
    pub fn load(overrides: Option<&Path>, shop_url: &str) -> anyhow::Result<Self> {
        if let Some(dir) = overrides
            && !dir.is_dir()
        {
            anyhow::bail!("MAIL_TEMPLATES_DIR={} is not a directory", dir.display());
        }
        let mut env = Environment::new();
        // A misspelt variable must fail the mail's rendering (and so the test of that mail), not
        // send a mail with a hole where the link was.
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        let overrides = overrides.map(Path::to_path_buf);
        let loader_overrides = overrides.clone();
        env.set_loader(move |name| load_source(loader_overrides.as_deref(), name));
        let shop_names = overrides.as_deref().map(template_files).transpose()?;
        for name in Shipped::iter()
            .map(|name| name.into_owned())
            .chain(shop_names.into_iter().flatten())
        {
            env.get_template(&name)
                .map_err(|error| anyhow::anyhow!("mail template {name}: {error:#}"))?;
        }
        Ok(Self {
            env,
            shop_url: shop_url.to_owned(),
        })
    }

    /// Renders mail `name` (e.g. `password_reset`) in `language` to `to`, with `context` and
    /// `shop_url` as its variables. A language without that mail gets the English one.
    pub fn render(
        &self,
        name: &str,
        language: &str,
        to: Mailbox,
        context: impl Serialize,
    ) -> anyhow::Result<OutgoingMail> {
        let language = match self.env.get_template(&format!("{language}/{name}.subject")) {
            Err(error) if error.kind() == ErrorKind::TemplateNotFound => FALLBACK_LANGUAGE,
            _ => language,
        };
        let context = context! { shop_url => &self.shop_url, ..Serde(context) };
        let render = |part: &str| -> anyhow::Result<Option<String>> {
            let template = match self.env.get_template(&format!("{language}/{name}.{part}")) {
                Ok(template) => template,
                Err(error) if error.kind() == ErrorKind::TemplateNotFound => return Ok(None),
                Err(error) => return Err(error.into()),
            };
            let rendered = template
                .render(&context)
                .with_context(|| format!("rendering mail template {language}/{name}.{part}"))?;
            Ok(Some(rendered))
        };
        let subject = render("subject")?
            .with_context(|| format!("there is no mail template {language}/{name}.subject"))?;
        Ok(OutgoingMail {
            to,
            // One line, whatever the template's line breaks: a header cannot hold more.
            subject: subject.split_whitespace().collect::<Vec<_>>().join(" "),
            text: render("txt")?
                .with_context(|| format!("there is no mail template {language}/{name}.txt"))?,
            html: render("html")?,
        })
    }
}

/// The template names under a shop's folder: `<lang>/<file>` and top-level files (layouts).
fn template_files(dir: &Path) -> anyhow::Result<Vec<String>> {
    let unreadable = || format!("MAIL_TEMPLATES_DIR={} cannot be read", dir.display());
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(unreadable)? {
        let entry = entry.with_context(unreadable)?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.path().is_dir() {
            for file in std::fs::read_dir(entry.path()).with_context(unreadable)? {
                let file = file.with_context(unreadable)?;
                names.push(format!("{name}/{}", file.file_name().to_string_lossy()));
            }
        } else {
            names.push(name);
        }
    }
    Ok(names)
}

/// The source of template `name`: the override's file when there is one, else the shipped one.
fn load_source(overrides: Option<&Path>, name: &str) -> Result<Option<String>, minijinja::Error> {
    if let Some(dir) = overrides {
        // Names come from this module and from `{% extends %}` in templates, never from a request.
        let path: PathBuf = dir.join(name);
        match std::fs::read_to_string(&path) {
            Ok(source) => return Ok(Some(source)),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => {
                return Err(minijinja::Error::new(
                    ErrorKind::InvalidOperation,
                    format!("reading {}: {error}", path.display()),
                ));
            }
        }
    }
    Ok(Shipped::get(name).map(|file| String::from_utf8_lossy(&file.data).into_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A shop's template folder holding mail `test` in English and Turkish.
    fn shop_templates() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (language, subject) in [("en", "Test"), ("tr", "Deneme")] {
            let folder = dir.path().join(language);
            std::fs::create_dir(&folder).unwrap();
            std::fs::write(folder.join("test.subject"), format!("{subject}\n")).unwrap();
            std::fs::write(folder.join("test.txt"), "Open {{ link }}").unwrap();
            std::fs::write(
                folder.join("test.html"),
                "{% extends \"base.html\" %}{% block body %}<a href=\"{{ link }}\">{{ link }}</a>{% endblock %}",
            )
            .unwrap();
        }
        dir
    }

    fn to() -> Mailbox {
        "jane@example.com".parse().unwrap()
    }

    #[test]
    fn a_mail_is_rendered_in_the_language_asked_and_english_stands_in_for_others() {
        let dir = shop_templates();
        let templates = MailTemplates::load(Some(dir.path()), "https://shop.example.com").unwrap();
        let context = serde_json::json!({"link": "https://shop.example.com/x/"});

        let turkish = templates.render("test", "tr", to(), &context).unwrap();
        let german = templates.render("test", "de", to(), &context).unwrap();

        assert_eq!(turkish.subject, "Deneme");
        assert_eq!(turkish.text, "Open https://shop.example.com/x/");
        assert_eq!(german.subject, "Test");
        let html = german.html.unwrap();
        // minijinja escapes `/` too (`&#x2f;`), which every HTML reader decodes.
        assert!(
            html.contains("<a href=\"https:&#x2f;&#x2f;shop.example.com&#x2f;x&#x2f;\">"),
            "{html}"
        );
        assert!(
            html.contains("<html"),
            "the shipped layout wraps it: {html}"
        );
    }

    #[test]
    fn html_is_escaped_and_a_missing_variable_fails_the_mail() {
        let dir = shop_templates();
        let templates = MailTemplates::load(Some(dir.path()), "https://shop.example.com").unwrap();

        let mail = templates
            .render("test", "en", to(), serde_json::json!({"link": "<b>"}))
            .unwrap();
        let missing = templates.render("test", "en", to(), serde_json::json!({}));

        assert!(mail.html.unwrap().contains("&lt;b&gt;"));
        assert_eq!(mail.text, "Open <b>", "text is not HTML");
        assert!(missing.is_err());
    }

    #[test]
    fn every_shipped_template_compiles_and_a_broken_override_stops_start_up() {
        let dir = shop_templates();
        std::fs::write(dir.path().join("en/test.txt"), "{% if %}").unwrap();

        let shipped = MailTemplates::load(None, "https://shop.example.com");
        let broken = MailTemplates::load(Some(dir.path()), "https://shop.example.com");
        let missing = MailTemplates::load(Some(&dir.path().join("nope")), "x");

        assert!(shipped.is_ok());
        let error = format!("{:#}", broken.err().unwrap());
        assert!(error.contains("en/test.txt"), "{error}");
        assert!(format!("{:#}", missing.err().unwrap()).contains("MAIL_TEMPLATES_DIR"));
    }
}
