package co.elastic.logstash.api;

import java.io.Serializable;

public class Password implements Serializable {
    private static final long serialVersionUID = 1L;

    private final String password;

    public Password(String password) {
        this.password = password;
    }

    public String getPassword() {
        return password;
    }

    @Override
    public String toString() {
        return "<password>";
    }

    public String getValue() {
        return password;
    }

    public String inspect() {
        return toString();
    }
}
