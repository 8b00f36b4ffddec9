-- Notifications: every message the platform sends on a tenant's behalf, with its delivery
-- state, and each user's opt-outs. Messages are written by the render handler in the same
-- transaction as its inbox row, then delivered by a job of their own (event
-- `notification.queued`), so a slow or broken provider is retried and never loses one.

CREATE TABLE notification_messages (
    tenant_id       uuid NOT NULL,
    id              uuid NOT NULL,
    -- The event that caused it (NULL for `comply360 notify test`).
    event_id        uuid,
    template        text NOT NULL CHECK (template ~ '^[a-z][a-z0-9_.]*$'),
    language        text NOT NULL DEFAULT 'en' CHECK (language ~ '^[a-z]{2}(-[A-Z]{2})?$'),
    channel         text NOT NULL CHECK (channel IN ('email', 'sms')),
    recipient       text NOT NULL CHECK (length(recipient) BETWEEN 3 AND 254),
    user_id         uuid,
    -- Essential messages (password reset, security notices) ignore opt-outs.
    essential       boolean NOT NULL,
    category        text NOT NULL,
    subject         text,
    body_text       text NOT NULL,
    body_html       text,
    state           text NOT NULL DEFAULT 'queued' CHECK (state IN (
                        'queued', 'sent', 'failed', 'bounced', 'suppressed')),
    provider        text,
    provider_message_id text,
    attempts        integer NOT NULL DEFAULT 0,
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    sent_at         timestamptz,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE SET NULL (user_id)
);
-- One message per event, template, channel and recipient: a re-rendered event adds nothing.
CREATE UNIQUE INDEX notification_messages_once
    ON notification_messages (tenant_id, event_id, template, channel, recipient)
    WHERE event_id IS NOT NULL;
CREATE INDEX notification_messages_by_state ON notification_messages (tenant_id, state, created_at);
CREATE INDEX notification_messages_by_user ON notification_messages (tenant_id, user_id);

CREATE TABLE notification_preferences (
    tenant_id       uuid NOT NULL,
    user_id         uuid NOT NULL,
    category        text NOT NULL CHECK (category ~ '^[a-z][a-z0-9_]*$'),
    channel         text NOT NULL CHECK (channel IN ('email', 'sms')),
    opted_out       boolean NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, user_id, category, channel),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);

CREATE TRIGGER notification_messages_touch BEFORE UPDATE ON notification_messages
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
CREATE TRIGGER notification_preferences_touch BEFORE UPDATE ON notification_preferences
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['notification_messages', 'notification_preferences'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format($p$CREATE POLICY tenant_isolation ON %I
            USING (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid))
            WITH CHECK (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid))$p$, t);
    END LOOP;
END $$;

GRANT SELECT, INSERT, UPDATE, DELETE ON notification_messages, notification_preferences TO c360_app;
