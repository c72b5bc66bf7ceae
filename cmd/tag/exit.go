package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
)

// Exit statuses of tag, printed by `tag -h` and listed in the README.
const (
	exitOK          = 0
	exitFailure     = 1
	exitBadInput    = 2
	exitInterrupted = 128 + int(syscall.SIGINT)  // 130
	exitTerminated  = 128 + int(syscall.SIGTERM) // 143
)

// exitCodes is the table of exit statuses for the usage text.
const exitCodes = `
exit status:
  0    done
  1    failure (training, a file system, a cluster)
  2    bad input or usage: a flag, a data set name, a file's line, a run folder; nothing was written
  130  interrupted (Ctrl-C, SIGINT); 143 for SIGTERM: finished work is kept, rerun the command to resume
`

// badInputError is implemented by every error caused by the user's input
// (data.SpecError, data.FileError, mtl.FieldError, experiment.ConfigError,
// affinityrun.InputError and cmd's own inputError): tag exits with status 2
// for it.
type badInputError interface {
	error
	BadInput()
}

// inputError marks an error caused by bad input that cmd itself detects
// (a flag, an argument).
type inputError struct{ err error }

func (e inputError) Error() string { return e.err.Error() }
func (e inputError) Unwrap() error { return e.err }

// BadInput marks the error as the user's.
func (inputError) BadInput() {}

// badInput wraps err as an input error; nil stays nil.
func badInput(err error) error {
	if err == nil {
		return nil
	}
	return inputError{err}
}

// badInputf formats an input error.
func badInputf(format string, args ...any) error {
	return inputError{fmt.Errorf(format, args...)}
}

// interrupted holds the signal that cancelled the command's context, or
// nil.
var interrupted atomic.Pointer[syscall.Signal]

// signalContext returns a context that SIGINT or SIGTERM cancels,
// recording the signal for the exit status; after the first signal, a
// second one ends the process at once. stop releases the signals.
func signalContext() (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case s := <-ch:
			signal.Stop(ch)
			if sig, ok := s.(syscall.Signal); ok {
				interrupted.Store(&sig)
			}
			cancel()
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(ch)
		close(done)
		cancel()
	}
}

// resumeError is the error of a command stopped by a signal whose way to
// continue is not a plain rerun.
type resumeError struct {
	hint string
	err  error
}

func (e *resumeError) Error() string { return e.hint }
func (e *resumeError) Unwrap() error { return e.err }

// exitStatus prints err for the command name on stderr, in one line, and
// returns tag's exit status for it: the one classification of errors.
func exitStatus(name string, err error, stderr io.Writer) int {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if sig := interrupted.Load(); sig != nil {
		hint := "rerun the command to resume"
		var re *resumeError
		if errors.As(err, &re) {
			hint = re.hint
		}
		fmt.Fprintf(stderr, "tag %s: interrupted by %s; %s\n", name, signalName(*sig), hint)
		if *sig == syscall.SIGTERM {
			return exitTerminated
		}
		return exitInterrupted
	}
	fmt.Fprintf(stderr, "tag %s: %v\n", name, err)
	var bad badInputError
	if errors.As(err, &bad) {
		return exitBadInput
	}
	return exitFailure
}

// signalName is SIGINT or SIGTERM.
func signalName(sig syscall.Signal) string {
	if sig == syscall.SIGTERM {
		return "SIGTERM"
	}
	return "SIGINT"
}
