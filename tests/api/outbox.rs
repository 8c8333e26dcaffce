//! Mails leave through the outbox: written with the change that causes them, delivered by the
//! worker to a real SMTP server (a local one the test starts), never lost while SMTP is down or
//! the server restarts, and never sent twice by two instances on one database.

use std::time::Duration;

use sea_orm::{
    ConnectionTrait,
    sea_query::{Alias, Expr, ExprTrait, Query},
};
use storefront::{
    config::Config,
    outbox::{OutgoingMail, enqueue_mail, enqueue_mail_at_most_every},
};

use crate::support::{
    TestApp, random_word,
    smtp::{ReceivedMail, SmtpServer, mail_through},
    spawn_app, spawn_app_beside, spawn_app_with,
};

fn mail(subject: &str) -> OutgoingMail {
    OutgoingMail {
        to: "Jane Doe <jane@example.com>".parse().unwrap(),
        subject: subject.to_owned(),
        text: "Reset your password: https://shop.example.com/reset/abc".to_owned(),
        html: None,
    }
}

/// Writes `mail` to the outbox in a write transaction of its own, as an area does in the
/// transaction of its change.
async fn enqueue(app: &TestApp, mail: &OutgoingMail) {
    let transaction = app.state.db.write().await.unwrap();
    enqueue_mail(&transaction, mail, app.state.clock.now())
        .await
        .unwrap();
    transaction.commit().await.unwrap();
}

/// Enqueues `mail` for `purpose` unless one went to its address within a minute; whether it did.
async fn enqueue_throttled(app: &TestApp, purpose: &str, mail: &OutgoingMail) -> bool {
    let transaction = app.state.db.write().await.unwrap();
    let written = enqueue_mail_at_most_every(
        &transaction,
        purpose,
        mail,
        app.state.clock.now(),
        Duration::from_secs(60),
    )
    .await
    .unwrap();
    transaction.commit().await.unwrap();
    written
}

/// Waits until a row of the outbox records a failed attempt (at most 10 s).
async fn wait_for_a_failed_attempt(app: &TestApp) {
    for _ in 0..200 {
        let errors = app.database.text_column("outbox", "last_error").await;
        if errors.iter().any(Option::is_some) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no failed attempt within 10 s");
}

/// Waits until every row of the outbox is marked sent (at most 10 s).
async fn wait_until_all_sent(app: &TestApp) {
    let connection = app.database.connect().await;
    let unsent = Query::select()
        .column(Alias::new("id"))
        .from(Alias::new("outbox"))
        .and_where(Expr::col(Alias::new("sent_at")).is_null())
        .to_owned();
    for _ in 0..200 {
        if connection.query_all(&unsent).await.unwrap().is_empty() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the outbox was not emptied within 10 s");
}

fn subjects(received: &[ReceivedMail]) -> Vec<String> {
    let mut subjects: Vec<String> = received
        .iter()
        .filter_map(|mail| mail.header("Subject"))
        .collect();
    subjects.sort();
    subjects
}

#[tokio::test]
async fn an_enqueued_mail_is_delivered_over_smtp() {
    let smtp = SmtpServer::start().await;
    let app = spawn_app_with(mail_through(&smtp)).await;

    enqueue(&app, &mail("Your password reset")).await;

    let received = smtp.wait_for(1).await;
    let delivered = &received[0];
    assert_eq!(delivered.recipients, ["jane@example.com"]);
    assert_eq!(
        delivered.header("Subject").as_deref(),
        Some("Your password reset")
    );
    assert_eq!(
        delivered.header("From").as_deref(),
        Some("Shop <noreply@shop.example.com>")
    );
    assert!(
        delivered
            .data
            .contains("Reset your password: https://shop.example.com/reset/abc"),
        "{}",
        delivered.data
    );
    wait_until_all_sent(&app).await;
}

#[tokio::test]
async fn without_smtp_a_mail_is_logged_and_counted_as_sent() {
    let app = spawn_app().await;

    enqueue(&app, &mail("Logged only")).await;

    wait_until_all_sent(&app).await;
}

#[tokio::test]
async fn a_mail_with_html_is_sent_with_both_bodies() {
    let smtp = SmtpServer::start().await;
    let app = spawn_app_with(mail_through(&smtp)).await;
    let mut with_html = mail("Welcome");
    with_html.html = Some("<p>Welcome to the shop</p>".to_owned());

    enqueue(&app, &with_html).await;

    let received = smtp.wait_for(1).await;
    let data = &received[0].data;
    assert!(data.contains("multipart/alternative"), "{data}");
    assert!(data.contains("<p>Welcome to the shop</p>"), "{data}");
    assert!(data.contains("Reset your password"), "{data}");
}

#[tokio::test]
async fn a_mail_is_not_lost_while_smtp_is_down_and_leaves_once_it_is_back() {
    let smtp = SmtpServer::start().await;
    smtp.set_down(true);
    let app = spawn_app_with(mail_through(&smtp)).await;
    enqueue(&app, &mail("Your order has shipped")).await;
    wait_for_a_failed_attempt(&app).await;

    smtp.set_down(false);
    app.advance_clock(Duration::from_secs(3601));

    let received = smtp.wait_for(1).await;
    assert_eq!(subjects(&received), ["Your order has shipped"]);
    wait_until_all_sent(&app).await;
    assert_eq!(smtp.received().len(), 1);
    assert_eq!(
        app.database.text_column("outbox", "last_error").await,
        [None]
    );
}

#[tokio::test]
async fn two_instances_on_one_database_send_each_mail_once() {
    let smtp = SmtpServer::start().await;
    let first = spawn_app_with(mail_through(&smtp)).await;
    let second = spawn_app_beside(&first, mail_through(&smtp)).await;
    let expected: Vec<String> = (0..20).map(|n| format!("Mail {n:02}")).collect();

    for (n, subject) in expected.iter().enumerate() {
        let app = if n % 2 == 0 { &first } else { &second };
        enqueue(app, &mail(subject)).await;
    }

    smtp.wait_for(expected.len()).await;
    wait_until_all_sent(&first).await;
    assert_eq!(subjects(&smtp.received()), expected);
}

#[tokio::test]
async fn a_restarted_server_delivers_what_the_stopped_one_left_unsent() {
    let smtp = SmtpServer::start().await;
    smtp.set_down(true);
    let first = spawn_app_with(mail_through(&smtp)).await;
    let subject = format!("Left behind {}", random_word(6));
    enqueue(&first, &mail(&subject)).await;
    wait_for_a_failed_attempt(&first).await;
    first.stop();
    smtp.set_down(false);

    let restarted = spawn_app_beside(&first, mail_through(&smtp)).await;
    restarted.advance_clock(Duration::from_secs(3601));

    let received = smtp.wait_for(1).await;
    assert_eq!(subjects(&received), [subject]);
    wait_until_all_sent(&restarted).await;
    assert_eq!(smtp.received().len(), 1);
}

#[tokio::test]
async fn a_mail_rolled_back_with_its_change_is_never_sent() {
    let smtp = SmtpServer::start().await;
    let app = spawn_app_with(mail_through(&smtp)).await;

    let transaction = app.state.db.write().await.unwrap();
    enqueue_mail(&transaction, &mail("Never"), app.state.clock.now())
        .await
        .unwrap();
    drop(transaction);
    enqueue(&app, &mail("Committed")).await;

    let received = smtp.wait_for(1).await;
    assert_eq!(subjects(&received), ["Committed"]);
    assert_eq!(app.database.ids("outbox").await.len(), 1);
}

#[tokio::test]
async fn smtp_without_a_public_url_refuses_to_start() {
    let smtp = SmtpServer::start().await;
    let mut config = Config::defaults().unwrap();
    mail_through(&smtp)(&mut config);
    config.storefront_public_url = None;
    config.storefront_bind = "127.0.0.1:0".parse().unwrap();

    let Err(error) =
        storefront::startup::Application::build(config, storefront::clock::Clock::default()).await
    else {
        panic!("the application started");
    };

    let message = format!("{error:#}");
    assert!(message.contains("STOREFRONT_PUBLIC_URL"), "{message}");
}

#[tokio::test]
async fn a_throttled_mail_goes_to_one_address_at_most_once_a_period() {
    let smtp = SmtpServer::start().await;
    let app = spawn_app_with(mail_through(&smtp)).await;
    let mut other_case = mail("Second");
    other_case.to = "JANE@Example.com".parse().unwrap();
    let mut other_address = mail("To John");
    other_address.to = "john@example.com".parse().unwrap();

    let first = enqueue_throttled(&app, "password_reset", &mail("First")).await;
    let again = enqueue_throttled(&app, "password_reset", &other_case).await;
    let other_purpose = enqueue_throttled(&app, "email_confirmation", &mail("Confirm")).await;
    let john = enqueue_throttled(&app, "password_reset", &other_address).await;
    app.state.clock.advance(Duration::from_secs(61));
    let a_minute_later = enqueue_throttled(&app, "password_reset", &mail("Later")).await;

    assert_eq!(
        (first, again, other_purpose, john, a_minute_later),
        (true, false, true, true, true)
    );
    let received = smtp.wait_for(4).await;
    assert_eq!(
        subjects(&received),
        ["Confirm", "First", "Later", "To John"]
    );
    let keys = Query::select()
        .column(Alias::new("key"))
        .from(Alias::new("outbox_throttle"))
        .to_owned();
    let keys = app.database.connect().await.query_all(&keys).await.unwrap();
    let keys: Vec<String> = keys
        .iter()
        .map(|row| row.try_get_by_index(0).unwrap())
        .collect();
    assert_eq!(keys.len(), 3, "{keys:?}");
    assert!(
        keys.iter().all(|key| !key.contains("jane")),
        "addresses are kept hashed: {keys:?}"
    );
}

#[tokio::test]
async fn a_sent_mail_keeps_no_body_in_the_database() {
    let smtp = SmtpServer::start().await;
    let app = spawn_app_with(mail_through(&smtp)).await;
    let mut with_html = mail("Reset");
    with_html.html = Some("<a href=\"https://shop.example.com/reset/abc\">reset</a>".to_owned());

    enqueue(&app, &with_html).await;
    smtp.wait_for(1).await;
    wait_until_all_sent(&app).await;

    let bodies = app.database.text_column("outbox", "text_body").await;
    let html = app.database.text_column("outbox", "html_body").await;
    assert_eq!(bodies, [Some(String::new())]);
    assert_eq!(html, [None]);
}
