/** MessagePack marshalling of Java records and POJOs for grpc-java (to be built: issue 3). */
package io.switchboard.msgpack;
