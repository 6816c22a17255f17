package io.hmmfuzz.core.op;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A boolean argument that is false unless a program says otherwise: a reproducer line may leave it out
 * (it parses as false), and printing leaves it out where it is false, so that reproducers written before
 * the argument existed still read the same ({@code pwrite f0 offset=0x0 length=0x200 direct=true}).
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.RECORD_COMPONENT)
public @interface Flag {}
