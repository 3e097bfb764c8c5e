package io.mispenrich.logstashreal;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import org.jruby.RubyArray;
import org.logstash.Event;
import org.logstash.RubyUtil;
import org.logstash.config.ir.compiler.AbstractFilterDelegatorExt;
import org.logstash.ext.JrubyEventExtLibrary.RubyEvent;

import io.mispenrich.runner.OrderedBatches;

/**
 * Drives a filter delegator as a Logstash pipeline's workers do (the ordered batch run is the
 * runners' shared OrderedBatches): each batch goes to {@code multi_filter} as a RubyArray of
 * RubyEvents, on the SAME delegator from every worker at once.
 */
final class BatchRun {

    private BatchRun() {
    }

    static OrderedBatches.Result run(AbstractFilterDelegatorExt filter, OrderedBatches.Source<Event> source, OrderedBatches.Sink<Event> sink,
                                     int workers, int batchSize, long warmFromEvent) throws IOException {
        return new OrderedBatches<Event>("multi_filter", Event::isCancelled, workers, batchSize, warmFromEvent)
                .run(source, batch -> unwrap(filter.multiFilter(wrap(batch))), sink, new OrderedBatches.Hooks<>() {
                });
    }

    @SuppressWarnings({"rawtypes", "unchecked"})
    private static RubyArray wrap(List<Event> events) {
        RubyArray batch = RubyArray.newArray(RubyUtil.RUBY, events.size());
        for (Event e : events) {
            batch.add(RubyEvent.newRubyEvent(RubyUtil.RUBY, e));
        }
        return batch;
    }

    @SuppressWarnings("rawtypes")
    private static List<Event> unwrap(RubyArray result) {
        List<Event> out = new ArrayList<>(result.size());
        for (int i = 0; i < result.size(); i++) {
            out.add(((RubyEvent) result.eltInternal(i)).getEvent());
        }
        return out;
    }
}
