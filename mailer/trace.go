package mailer

import (
	"fmt"
	"log/slog"
	"strings"

	golog "github.com/wneessen/go-mail/log"
)

// traceLogger passes go-mail's SMTP protocol trace to slog at debug level.
// go-mail leaves AUTH data out of the trace unless asked to keep it; we
// never ask.
type traceLogger struct{ l *slog.Logger }

func (t traceLogger) line(lg golog.Log) {
	dir := "server"
	if lg.Direction == golog.DirClientToServer {
		dir = "client"
	}
	t.l.Debug("smtp trace", "from", dir, "data", strings.TrimRight(fmt.Sprintf(lg.Format, lg.Messages...), "\r\n"))
}

func (t traceLogger) Debugf(lg golog.Log) { t.line(lg) }
func (t traceLogger) Infof(lg golog.Log)  { t.line(lg) }
func (t traceLogger) Warnf(lg golog.Log)  { t.line(lg) }
func (t traceLogger) Errorf(lg golog.Log) { t.line(lg) }
