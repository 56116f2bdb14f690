//! The wire protocol: frames round-trip, bad frames name what is wrong, oversize
//! frames are refused unparsed, and the code tables stay consistent.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashSet;

use serde_json::json;
use tradewind_realtime::grants::UserId;
use tradewind_realtime::namespace::ChannelName;
use tradewind_realtime::protocol::*;

fn channel(name: &str) -> ChannelName {
    ChannelName::parse(name).unwrap()
}

#[test]
fn every_client_frame_round_trips() {
    let commands = vec![
        ClientCommand::Connect(ConnectCommand { token: "a.b.c".into(), protocol_version: PROTOCOL_VERSION.into() }),
        ClientCommand::Subscribe(SubscribeCommand { channel: channel("live:room_42"), recover: None }),
        ClientCommand::Subscribe(SubscribeCommand {
            channel: channel("live:room_42"),
            recover: Some(RecoverPosition { offset: 17, epoch: "e1".into() }),
        }),
        ClientCommand::Unsubscribe(ChannelCommand { channel: channel("live:room_42") }),
        ClientCommand::Publish(PublishCommand {
            channel: channel("chat:c.1"),
            data: json!({"text": "hi", "n": [1, 2]}),
        }),
        ClientCommand::History(HistoryCommand { channel: channel("chat:c.1"), since_offset: Some(3), limit: Some(50) }),
        ClientCommand::History(HistoryCommand { channel: channel("chat:c.1"), since_offset: None, limit: None }),
        ClientCommand::Presence(ChannelCommand { channel: channel("chat:c.1") }),
        ClientCommand::Typing(ChannelCommand { channel: channel("chat:c.1") }),
        ClientCommand::MetadataGet(MetadataGetCommand { channel: channel("chat:c.1"), key: "topic".into() }),
        ClientCommand::MetadataSet(MetadataSetCommand {
            channel: channel("chat:c.1"),
            key: "topic".into(),
            value: json!("refunds"),
            expected_revision: Some(2),
        }),
        ClientCommand::Refresh(RefreshCommand { token: "d.e.f".into() }),
        ClientCommand::Ping,
    ];
    for (index, command) in commands.into_iter().enumerate() {
        for id in [None, Some(index as u64)] {
            let frame = ClientFrame { id, command: command.clone() };
            let text = frame.to_text().unwrap();
            assert_eq!(parse_client_frame(&text).unwrap(), frame, "{text}");
        }
    }
}

#[test]
fn client_frames_use_the_documented_shape() {
    let frame = parse_client_frame(
        r#"{"type":"subscribe","id":7,"channel":"support:ticket.9","recover":{"offset":4,"epoch":"x"}}"#,
    )
    .unwrap();
    assert_eq!(frame.id, Some(7));
    let ClientCommand::Subscribe(subscribe) = frame.command else { panic!("not a subscribe") };
    assert_eq!(subscribe.channel.namespace(), "support");
    assert_eq!(subscribe.channel.name(), "ticket.9");
    assert_eq!(subscribe.recover, Some(RecoverPosition { offset: 4, epoch: "x".into() }));
    assert_eq!(
        parse_client_frame(r#"{"type":"ping"}"#).unwrap(),
        ClientFrame { id: None, command: ClientCommand::Ping }
    );
}

#[test]
fn every_server_frame_round_trips() {
    let info = ClientInfo { user: UserId::parse("u_1").unwrap(), name: "Ada".into() };
    let publication = Publication {
        channel: channel("chat:c.1"),
        offset: 9,
        epoch: Some("e1".into()),
        data: json!({"text": "hello"}),
        info: Some(info.clone()),
    };
    let frames = vec![
        ServerFrame::Connected {
            client_id: "cl_1".into(),
            user: info.user.clone(),
            name: "Ada".into(),
            expires_at: 1_700_000_600,
            protocol_version: PROTOCOL_VERSION.into(),
        },
        ServerFrame::Ack { id: 1, result: None },
        ServerFrame::Ack {
            id: 2,
            result: Some(AckResult::Subscribed {
                offset: 9,
                epoch: "e1".into(),
                recovered: true,
                publications: vec![publication.clone()],
            }),
        },
        ServerFrame::Ack { id: 3, result: Some(AckResult::Published { offset: 10, epoch: "e1".into() }) },
        ServerFrame::Ack {
            id: 4,
            result: Some(AckResult::History { publications: vec![publication.clone()], epoch: "e1".into() }),
        },
        ServerFrame::Ack { id: 5, result: Some(AckResult::Presence { members: vec![info.clone()] }) },
        ServerFrame::Ack {
            id: 6,
            result: Some(AckResult::Metadata { key: "topic".into(), value: Some(json!(1)), revision: 3 }),
        },
        ServerFrame::Ack { id: 7, result: Some(AckResult::Metadata { key: "none".into(), value: None, revision: 0 }) },
        ServerFrame::Ack { id: 8, result: Some(AckResult::Refreshed { expires_at: 1_700_001_000 }) },
        ServerFrame::Publication(publication),
        ServerFrame::Publication(Publication {
            channel: channel("orders:o.1"),
            offset: 1,
            epoch: None,
            data: json!(null),
            info: None,
        }),
        ServerFrame::Join {
            channel: channel("chat:c.1"),
            client: "conn_1".into(),
            user: info.user.clone(),
            name: "Ada".into(),
        },
        ServerFrame::Leave {
            channel: channel("chat:c.1"),
            client: "conn_1".into(),
            user: info.user.clone(),
            name: "Ada".into(),
        },
        ServerFrame::PresenceCount { channel: channel("chat:c.1"), count: 250 },
        ServerFrame::Typing {
            channel: channel("chat:c.1"),
            client: "conn_1".into(),
            user: info.user.clone(),
            name: "Ada".into(),
        },
        ServerFrame::Metadata { channel: channel("live:s.1"), key: "stock".into(), value: json!(7), revision: 2 },
        ServerFrame::error(Some(4), ErrorCode::RevisionMismatch, "revision is 4"),
        ServerFrame::error(None, ErrorCode::TokenExpired, "expired"),
        ServerFrame::Pong { id: Some(9) },
    ];
    for frame in frames {
        let text = frame.to_text().unwrap();
        assert_eq!(ServerFrame::from_text(&text).unwrap(), frame, "{text}");
    }
}

#[test]
fn server_frames_use_the_documented_shape() {
    let text = ServerFrame::error(Some(3), ErrorCode::BadRequest, "no").to_text().unwrap();
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(value, json!({"type": "error", "id": 3, "code": "bad_request", "number": 4000, "message": "no"}));
    let text = ServerFrame::Ack {
        id: 2,
        result: Some(AckResult::Subscribed { offset: 0, epoch: "e".into(), recovered: false, publications: vec![] }),
    }
    .to_text()
    .unwrap();
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        value,
        json!({"type": "ack", "id": 2, "result": {"kind": "subscribed", "offset": 0, "epoch": "e", "recovered": false, "publications": []}})
    );
}

fn field_of(text: &str) -> String {
    match parse_client_frame(text) {
        Err(FrameError::InvalidField { field, .. }) => field,
        other => panic!("expected an invalid field for {text}, got {other:?}"),
    }
}

#[test]
fn bad_frames_name_what_is_wrong() {
    assert_eq!(field_of(r#"{"type":"subscribe","id":1}"#), "channel");
    assert_eq!(field_of(r#"{"type":"connect","token":"t"}"#), "protocol_version");
    assert_eq!(field_of(r#"{"type":"subscribe","channel":"a:b","recover":{"offset":1}}"#), "recover.epoch");
    assert_eq!(
        field_of(r#"{"type":"subscribe","channel":"a:b","recover":{"offset":"x","epoch":"e"}}"#),
        "recover.offset"
    );
    assert_eq!(field_of(r#"{"type":"publish","channel":"no separator","data":1}"#), "channel");
    assert_eq!(field_of(r#"{"type":"publish","channel":"a:b"}"#), "data");
    assert_eq!(field_of(r#"{"type":"ping","id":-1}"#), "id");
    assert_eq!(field_of(r#"{"type":"ping","id":"1"}"#), "id");
    assert_eq!(field_of(r#"{"type":7}"#), "type");
    assert_eq!(field_of(r#"{"type":"history","channel":"a:b","limit":0}"#), "limit");
    assert_eq!(field_of(r#"{"type":"history","channel":"a:b","limit":100000}"#), "limit");
    assert_eq!(field_of(r#"{"type":"metadata_get","channel":"a:b","key":""}"#), "key");
    assert_eq!(
        field_of(r#"{"type":"metadata_set","channel":"a:b","key":"k","value":1,"expected_revision":-2}"#),
        "expected_revision"
    );

    assert_eq!(parse_client_frame(r#"{"type":"teleport","id":1}"#), Err(FrameError::UnknownType("teleport".into())));
    assert_eq!(parse_client_frame(r#"{"id":1}"#), Err(FrameError::MissingType));
    assert_eq!(parse_client_frame("[1,2]"), Err(FrameError::NotAnObject));
    assert!(matches!(parse_client_frame("{\"type\":"), Err(FrameError::Syntax(_))));
    assert_eq!(parse_client_frame("{}").unwrap_err().code(), ErrorCode::BadRequest);
}

#[test]
fn oversize_frames_are_refused_before_parsing() {
    // Not even JSON: refused on size alone.
    let text = "x".repeat(CLIENT_FRAME_BYTES_MAX + 1);
    let error = parse_client_frame(&text).unwrap_err();
    assert_eq!(error, FrameError::TooLarge { size: CLIENT_FRAME_BYTES_MAX + 1 });
    assert_eq!(error.code(), ErrorCode::FrameTooLarge);
    assert_eq!(error.close_code(), Some(CloseCode::FrameTooLarge));

    // A valid publish at exactly the limit is accepted.
    let head = r#"{"type":"publish","channel":"a:b","data":""#;
    let padding = CLIENT_FRAME_BYTES_MAX - head.len() - 2;
    let text = format!("{head}{}\"}}", "y".repeat(padding));
    assert_eq!(text.len(), CLIENT_FRAME_BYTES_MAX);
    assert!(parse_client_frame(&text).is_ok());
}

#[test]
fn code_tables_are_consistent() {
    let numbers: HashSet<u16> = ErrorCode::ALL.iter().map(|code| code.number()).collect();
    assert_eq!(numbers.len(), ErrorCode::ALL.len());
    for code in ErrorCode::ALL {
        assert_eq!(serde_json::to_value(code).unwrap(), json!(code.as_str()));
        assert!((4000..6000).contains(&code.number()));
    }
    assert_eq!(ErrorCode::BadRequest.number(), 4000);

    let numbers: HashSet<u16> = CloseCode::ALL.iter().map(|code| code.number()).collect();
    assert_eq!(numbers.len(), CloseCode::ALL.len());
    for code in CloseCode::ALL {
        assert_eq!(CloseCode::from_number(code.number()), Some(code));
        assert!(code.reason().len() <= 123);
        assert_eq!(serde_json::to_value(code).unwrap(), json!(code.reason()));
    }
    assert_eq!(CloseCode::TokenInvalid.number(), 4001);
    assert_eq!(CloseCode::SlowConsumer.number(), 4008);
    assert_eq!(CloseCode::FrameTooLarge.number(), 4009);
    assert_eq!(CloseCode::TooManyConnections.number(), 4010);
    assert_eq!(CloseCode::from_number(4999), None);
    assert!(is_supported_protocol("tradewind.realtime.v1"));
    assert!(!is_supported_protocol("tradewind.realtime.v2"));
}
